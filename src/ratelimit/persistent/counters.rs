//! The limits themselves, one database counter each, keyed as in the table of the parent
//! module.

use super::{minutes, window, PersistentLimits};
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{rate_counters, DbError};
use crate::domain::audit::{Event, Outcome};
use crate::domain::{EmailAddress, TenantId};
use crate::ratelimit::groups::Limiter;
use crate::ratelimit::inprocess::LimitKey;
use chrono::TimeDelta;
use std::net::IpAddr;

impl PersistentLimits {
    // --- per target address -------------------------------------------------------------

    /// Whether one more reset mail may go to `address` now, counting it if so: at most
    /// `mails_per_address_hour` per fixed UTC clock hour and `mails_per_address_day` per
    /// UTC day. Past that the caller still shows the uniform page (docs/security.md#11, #28) but
    /// sends nothing. A refusal by the hourly cap does not use up the daily one.
    pub async fn mail_allowed(&self, address: &EmailAddress) -> Result<bool, DbError> {
        let address = address.as_str().to_string();
        self.run_enabled(true, move |this, conn| {
            let now = this.now();
            let h = this.hashed(&address);
            let hour = TimeDelta::hours(1);
            let hour_start = window(now, hour);
            let n =
                rate_counters::hit(conn, &format!("mail:h:{h}"), hour_start, hour_start + hour)?;
            if n > i64::from(this.settings.mails_per_address_hour) {
                return Ok(false);
            }
            let day = TimeDelta::days(1);
            let day_start = window(now, day);
            let n = rate_counters::hit(conn, &format!("mail:d:{h}"), day_start, day_start + day)?;
            Ok(n <= i64::from(this.settings.mails_per_address_day))
        })
        .await
    }

    // --- per tenant --------------------------------------------------------------------

    /// Counts one reset request for a tenant; `true` exactly once per fixed window of
    /// `tenant_burst_window_minutes`, on the request that goes beyond
    /// `tenant_burst_threshold`: the caller audits `tenant_reset_burst`. Never blocks.
    pub async fn record_tenant_request(&self, tenant: &TenantId) -> Result<bool, DbError> {
        let key = format!("tenant:{tenant}");
        self.run_enabled(false, move |this, conn| {
            let len = minutes(this.settings.tenant_burst_window_minutes);
            let start = window(this.now(), len);
            let n = rate_counters::hit(conn, &key, start, start + len)?;
            Ok(n == i64::from(this.settings.tenant_burst_threshold) + 1)
        })
        .await
    }

    // --- limit hits --------------------------------------------------------------------

    /// Audits a refused request once per limiter, key and window (`hit_audit_window_minutes`)
    /// across the cluster: the first hit of a window writes a `rate_limited` / `denied` row
    /// with the limiter as reason; later ones only count. Returns whether this call wrote it.
    pub async fn record_limit_hit(
        &self,
        limiter: Limiter,
        key: LimitKey,
        ip: IpAddr,
    ) -> Result<bool, DbError> {
        let now = self.now();
        let len = minutes(self.settings.hit_audit_window_minutes);
        let start = window(now, len);
        {
            let mut seen = self.audited.lock().unwrap_or_else(|p| p.into_inner());
            if seen.get(&(limiter, key)) == Some(&start) {
                return Ok(false);
            }
            seen.insert((limiter, key), start);
        }
        let counter_key = format!("hit:{}:{}", limiter.name(), self.hashed(&key.describe()));
        self.run(move |_, conn| {
            let n = rate_counters::hit(conn, &counter_key, start, start + len)?;
            if n != 1 {
                return Ok(false);
            }
            let mut event = NewAuditEvent::new(now, "guest", Event::RateLimited, Outcome::Denied);
            event.reason = Some(limiter.name().to_string());
            event.ip = Some(ip.to_string());
            event.detail = Some(
                serde_json::json!({
                    "limiter": limiter.name(),
                    "keyed_by": match key { LimitKey::Ip(_) => "ip", LimitKey::ApiKey(_) => "api_key" },
                    "window_minutes": len.num_minutes(),
                })
                .to_string(),
            );
            audit::insert(conn, &event)?;
            Ok(true)
        })
        .await
    }

    // --- housekeeping ------------------------------------------------------------------

    /// Deletes expired counters and forgets local audit marks of past windows.
    pub async fn sweep(&self) -> Result<usize, DbError> {
        let now = self.now();
        let current = window(now, minutes(self.settings.hit_audit_window_minutes));
        self.audited
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, w| *w >= current);
        self.run(move |_, conn| rate_counters::sweep(conn, now))
            .await
    }
}
