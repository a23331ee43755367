//! An audit event as the console shows it: the actor and the tenant by name, the time in the
//! admin's zone, and a before/after detail as a table of the fields that changed.

use super::AdminCtx;
use crate::console::audit::{AdminLabel, AuditEvent};
use crate::domain::TenantId;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// What the pages know to name events: tenants by id, admins by actor.
#[derive(Default)]
pub struct Names {
    pub tenants: HashMap<TenantId, String>,
    pub admins: HashMap<String, AdminLabel>,
}

impl Names {
    /// Who did it, as a person reads it: an admin's address, `cli` for the command line,
    /// `system`, or the guest's address.
    pub fn actor(&self, e: &AuditEvent) -> String {
        match e.actor.as_str() {
            "operator" => "cli".into(),
            "guest" => e.email.clone().unwrap_or_else(|| "guest".into()),
            a => match self.admins.get(a) {
                Some(label) => label.email.to_string(),
                None => a.to_string(),
            },
        }
    }

    /// The tenant's name; an event of no tenant by an admin, the command line or the system
    /// is the platform's (a tenant admin's is their tenant's).
    pub fn tenant(&self, e: &AuditEvent) -> String {
        let tenant = e.tenant_id.as_ref().or_else(|| {
            self.admins
                .get(&e.actor)
                .and_then(|label| label.tenant_id.as_ref())
        });
        match tenant {
            Some(id) => self
                .tenants
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_string()),
            None if e.actor == "guest" => "no tenant".into(),
            None => "platform".into(),
        }
    }
}

/// An event as the pages show it.
#[derive(Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub at: String,
    pub tenant_name: String,
    pub actor_name: String,
}

pub fn rows(admin: &AdminCtx, events: Vec<AuditEvent>, names: &Names) -> Vec<Row> {
    events
        .into_iter()
        .map(|event| Row {
            at: admin.time(event.occurred_at),
            tenant_name: names.tenant(&event),
            actor_name: names.actor(&event),
            event,
        })
        .collect()
}

/// One changed field of a before/after detail.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A detail read for people: the changed fields of its `before`/`after` (when it has them)
/// and its other keys.
#[derive(Debug, Serialize, Default, PartialEq, Eq)]
pub struct Detail {
    pub has_diff: bool,
    pub changes: Vec<Change>,
    pub other: Vec<Field>,
}

/// A key of a detail that is not a change, and its value.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

#[cfg(test)]
fn field(name: &str, value: &str) -> Field {
    Field {
        name: name.into(),
        value: value.into(),
    }
}

/// A JSON value as a cell: strings bare, `null` as "none", the rest compact JSON.
fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(v) => v.to_string(),
    }
}

/// The detail of an event as a diff table, or `None` when it is not a JSON object.
pub fn detail(raw: &str) -> Option<Detail> {
    let Value::Object(map) = serde_json::from_str::<Value>(raw).ok()? else {
        return None;
    };
    let mut out = Detail::default();
    if let (Some(before), Some(after)) = (map.get("before"), map.get("after")) {
        out.has_diff = true;
        match (before, after) {
            (Value::Object(b), Value::Object(a)) => {
                let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
                for k in keys {
                    if b.get(k) != a.get(k) {
                        out.changes.push(Change {
                            field: k.clone(),
                            before: show(b.get(k)),
                            after: show(a.get(k)),
                        });
                    }
                }
            }
            (b, a) if b != a => out.changes.push(Change {
                field: "value".into(),
                before: show(Some(b)),
                after: show(Some(a)),
            }),
            _ => {}
        }
    }
    for (k, v) in &map {
        if !(out.has_diff && (k == "before" || k == "after")) {
            out.other.push(Field {
                name: k.clone(),
                value: show(Some(v)),
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_diff_by_changed_field_and_keep_other_keys() {
        let d = detail(
            r#"{"before":{"plan":"free","sspr":true,"x":1},"after":{"plan":"premium","sspr":true,"x":1},"revoked_reset_tokens":0}"#,
        )
        .unwrap();
        assert!(d.has_diff);
        assert_eq!(
            d.changes,
            [Change {
                field: "plan".into(),
                before: "free".into(),
                after: "premium".into()
            }]
        );
        assert_eq!(d.other, [field("revoked_reset_tokens", "0")]);
    }

    #[test]
    fn scalars_and_lists_diff_as_one_value() {
        let d = detail(r#"{"before":["a","b"],"after":["a","c"]}"#).unwrap();
        assert_eq!(d.changes[0].before, "a, b");
        assert_eq!(d.changes[0].after, "a, c");
        let d = detail(r#"{"event_id":4}"#).unwrap();
        assert!(!d.has_diff);
        assert_eq!(d.other, [field("event_id", "4")]);
        assert_eq!(detail("not json"), None);
    }
}
