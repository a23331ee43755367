//! The black-box test harness (zero2prod's `spawn_app`): a real server on a random port, a
//! fresh database per test (SQLite file, or a new PostgreSQL database when `LATCHKEY_TEST_PG`
//! names a server), and helpers per endpoint.
#![allow(dead_code)]

pub mod axe;
pub mod browser;
pub mod chromium;
pub mod cli;
pub mod http_stub;
pub mod pg_server;
pub mod process;
pub mod samba_ad;
pub mod slapd;
pub mod smtp;
mod test_db;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use latchkey::config::{RawSettings, Settings};
use latchkey::services::clock::OffsetClock;
use latchkey::startup::Application;
use std::sync::Arc;
pub use test_db::TestDb;

/// After every test: each event name the database holds is one `audit::Event` names (writers
/// take the enum, so only raw SQL could store another). Skipped when the test already failed
/// or the database is unreachable (the outage tests break it on purpose).
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let Ok(mut conn) = self.state.db.get() else {
            return;
        };
        let Ok(names) = latchkey::db::audit::distinct_names(&mut conn) else {
            return;
        };
        let unknown: Vec<_> = names
            .iter()
            .filter(|n| n.parse::<latchkey::domain::audit::Event>().is_err())
            .collect();
        assert!(
            unknown.is_empty(),
            "audit events the enum does not name: {unknown:?}"
        );
    }
}

/// Settings for a test: port 0, a temp data dir, no demo, no DNS, plus `extra` TOML.
pub fn test_settings(dir: &std::path::Path, db_url: &str, extra: &str) -> Settings {
    let raw = RawSettings {
        bind: "127.0.0.1:0".into(),
        management_bind: "0".into(),
        public_base_url: Some("https://reset.test.example".into()),
        data_dir: dir.to_path_buf(),
        database_url: Some(db_url.to_string()),
        demo: false,
        dns: "off".into(),
        ..RawSettings::default()
    };
    let figment = Figment::from(Serialized::defaults(raw)).merge(Toml::string(extra));
    Settings::from_figment(figment).expect("valid test settings")
}

pub struct TestApp {
    pub smtp: Option<smtp::SmtpSink>,
    pub address: String,
    pub port: u16,
    /// The management listener (`/metrics`, `/readyz`, `/healthz`).
    pub management_address: String,
    pub dir: tempfile::TempDir,
    pub db: TestDb,
    pub clock: OffsetClock,
    pub state: latchkey::web::AppState,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with("").await
    }

    /// Spawns with extra TOML settings.
    pub async fn spawn_with(extra: &str) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(dir.path());
        Self::spawn_on(dir, db, extra).await
    }

    /// Spawns on a given database (e.g. [`TestDb::on_server`] of a private server).
    pub async fn spawn_on(dir: tempfile::TempDir, db: TestDb, extra: &str) -> TestApp {
        let settings = test_settings(dir.path(), &db.url, extra);
        let clock = OffsetClock::new();
        let app = Application::build_with_clock(settings, Arc::new(clock.clone()))
            .await
            .expect("application builds");
        let port = app.port();
        let management_port = app.management_port();
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            smtp: None,
            address: format!("http://127.0.0.1:{port}"),
            port,
            management_address: format!("http://127.0.0.1:{management_port}"),
            dir,
            db,
            clock,
            state,
            client: client(),
        }
    }

    /// Spawns on a fixed free port whose address is also `public_base_url`, so links in mail
    /// point at this very server (the real-browser test follows them).
    pub async fn spawn_self_addressed_with_mail(extra: &str) -> TestApp {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let extra = format!(
            "bind = \"127.0.0.1:{port}\"\npublic_base_url = \"http://127.0.0.1:{port}\"\n{extra}"
        );
        Self::spawn_with_mail(&extra).await
    }

    /// Spawns with a real SMTP server in the process; the service sends to it over TCP.
    pub async fn spawn_with_mail(extra: &str) -> TestApp {
        Self::spawn_with_mail_on(None, extra).await
    }

    /// [`TestApp::spawn_with_mail`] on a given database (`None`: a fresh [`TestDb`]).
    pub async fn spawn_with_mail_on(db: Option<TestDb>, extra: &str) -> TestApp {
        Self::spawn_with_sink_on(smtp::SmtpSink::start().await, db, extra).await
    }

    /// [`TestApp::spawn_with_mail_on`] with a given sink (e.g. one that speaks TLS).
    pub async fn spawn_with_sink_on(
        sink: smtp::SmtpSink,
        db: Option<TestDb>,
        extra: &str,
    ) -> TestApp {
        // Top-level keys first: in TOML everything after a [table] header belongs to it.
        let mut config = format!(
            "smtp_url = \"{}\"\nsmtp_timeout_seconds = 2\n{extra}\n",
            sink.url()
        );
        if !extra.contains("[jobs]") {
            config.push_str("[jobs]\npoll_interval_ms = 50\n");
        }
        let mut app = match db {
            Some(db) => Self::spawn_on(tempfile::tempdir().unwrap(), db, &config).await,
            None => Self::spawn_with(&config).await,
        };
        app.smtp = Some(sink);
        app
    }

    /// With mail, and the three partner tenants most tests use: Fabrikam (unmanaged),
    /// Northwind (managed, premium) and Contoso (managed, free: self-service reset refused).
    pub async fn with_partners() -> TestApp {
        let app = TestApp::spawn_with_mail("").await;
        app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
        app.tenant("Northwind", "northwind.test", "managed", "premium");
        app.tenant("Contoso", "contoso.test", "managed", "free");
        app
    }

    /// A browser signed in as the guest `email`.
    pub async fn signed_in_guest(&self, email: &str, password: &str) -> browser::Browser {
        let mut b = self.browser();
        b.sign_in(email, password)
            .await
            .assert_see_other("/account");
        b
    }

    pub fn sink(&self) -> &smtp::SmtpSink {
        self.smtp.as_ref().expect("spawned with mail")
    }

    pub fn browser(&self) -> browser::Browser {
        browser::Browser::new(&self.address)
    }

    /// Runs SQL against the app's database (test setup only).
    pub fn sql(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        self.state.db.get().unwrap().batch_execute(sql).unwrap();
    }

    pub fn tenant(
        &self,
        name: &str,
        domain: &str,
        kind: &str,
        plan: &str,
    ) -> latchkey::db::models::Tenant {
        let mut conn = self.state.db.get().unwrap();
        latchkey::db::tenants::create(
            &mut conn,
            &latchkey::db::tenants::NewTenant {
                name: name.into(),
                kind: kind.parse().unwrap(),
                plan: plan.parse().unwrap(),
                domains: vec![domain.into()],
                helpdesk_url: Some(format!("https://help.{domain}/")),
                is_consumer: false,
            },
            self.state.now(),
        )
        .unwrap()
    }

    /// Creates a guest in the tenant of the address's domain; returns the TOTP secret if asked.
    pub fn user(
        &self,
        email: &str,
        password: &str,
        verified: bool,
        totp: bool,
    ) -> Option<latchkey::security::TotpSecret> {
        let email = latchkey::domain::EmailAddress::parse(email).unwrap();
        let mut conn = self.state.db.get().unwrap();
        let now = self.state.now();
        let tenant = if self.state.settings.is_consumer_domain(email.domain()) {
            latchkey::db::tenants::consumers(&mut conn, now).unwrap()
        } else {
            latchkey::db::tenants::find_by_domain(&mut conn, email.domain())
                .unwrap()
                .expect("tenant for the domain")
        };
        let hash = self
            .state
            .hasher
            .hash_blocking(&secrecy::SecretString::from(password.to_string()))
            .unwrap();
        let secret = totp.then(latchkey::security::TotpSecret::generate);
        let user = latchkey::db::users::create(
            &mut conn,
            &latchkey::db::users::NewUser {
                tenant_id: tenant.tenant_id(),
                email,
                display_name: None,
                password_hash: Some(hash),
                verified,
                totp_secret: None,
            },
            now,
        )
        .unwrap();
        if let Some(s) = &secret {
            // Stored as the service stores it: encrypted for this row.
            let sealed = self
                .state
                .seal_totp(latchkey::security::SeedOwner::User(user.id.as_str()), s);
            latchkey::db::users::set_totp_secret(&mut conn, &user.user_id(), Some(&sealed), now)
                .unwrap();
        }
        secret
    }

    pub fn password_hash(&self, email: &str) -> Option<String> {
        let email = latchkey::domain::EmailAddress::parse(email).unwrap();
        let mut conn = self.state.db.get().unwrap();
        latchkey::db::users::find_by_email(&mut conn, &email)
            .unwrap()
            .and_then(|u| u.password_hash)
    }

    pub fn audit_events(&self) -> Vec<latchkey::db::models::AuditEvent> {
        let mut conn = self.state.db.get().unwrap();
        let mut v = latchkey::db::audit::latest(&mut conn, 10_000).unwrap();
        v.reverse();
        v
    }

    /// Waits until the job queue is empty (every request evaluated, every mail attempted).
    pub async fn drain_jobs(&self) {
        for _ in 0..200 {
            let open = latchkey::jobs::queue_depth(&self.state.db).await.unwrap();
            if open == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("jobs did not drain");
    }

    /// Mails received for `addr`.
    pub fn mails_to(&self, addr: &str) -> Vec<smtp::ReceivedMail> {
        self.sink()
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == addr))
            .collect()
    }

    /// Waits for the `n`-th mail to `addr` and returns it.
    pub async fn wait_mail_to(&self, addr: &str, n: usize) -> smtp::ReceivedMail {
        for _ in 0..200 {
            let got = self.mails_to(addr);
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no mail #{n} to {addr}; got {}", self.mails_to(addr).len());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET on the management listener (`/metrics`, `/readyz`, `/healthz`).
    pub async fn management_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.management_address))
            .send()
            .await
            .unwrap()
    }

    /// The metrics text from the management listener.
    pub async fn metrics(&self) -> String {
        let res = self.management_get("/metrics").await;
        assert_eq!(res.status(), 200);
        res.text().await.unwrap()
    }
}

/// A client that keeps cookies and does not follow redirects (tests assert on 303s).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
