//! The console's invitation upload and API-key pages.

mod admin_support;
mod support;

use admin_support::*;
use support::TestApp;

fn multipart(csrf: &str, csv: &str) -> (String, Vec<u8>) {
    let boundary = "----latchkeytestboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"guests.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn app() -> TestApp {
    let app =
        TestApp::spawn_with_mail("[rate_limits.admin_login]\nper_minute = 6000\nburst = 6000")
            .await;
    app.tenant("Fabrikam", "fabrikam.test", "unmanaged", "free");
    app.tenant("Northwind", "northwind.test", "managed", "premium");
    app
}

#[tokio::test]
async fn a_platform_admin_uploads_a_csv_and_gets_a_per_row_report() {
    let app = app().await;
    let admin = set_up(&app, "root@latchkey.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let page = b.get("/admin/invitations").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csv = "\u{feff}email;DISPLAYNAME;CcEmail\nann@fabrikam.test;Ann;\nnot-an-address;X;\nzoe@gmail.com;Zoe;\n";
    let (ct, body) = multipart(&page.csrf().unwrap(), csv);
    let p = b.post_bytes("/admin/invitations", &ct, body.clone()).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("2 invited"), "{}", p.body);
    assert!(p.body.contains("not-an-address"));
    let mail = app.wait_mail_to("ann@fabrikam.test", 1).await;
    assert!(support::smtp::link_with(&mail.text(), "/invite/").is_some());
    // The mail names the admin who invited (the operator's CLI and API keys name nobody).
    assert!(
        mail.text().contains("root@latchkey.test has invited you"),
        "{}",
        mail.text()
    );
    // Re-uploading sends nothing twice.
    let page = b.get("/admin/invitations").await;
    let (ct, body) = multipart(&page.csrf().unwrap(), csv);
    let p = b.post_bytes("/admin/invitations", &ct, body).await;
    assert!(p.body.contains("0 invited"), "{}", p.body);
    app.drain_jobs().await;
    assert_eq!(app.mails_to("ann@fabrikam.test").len(), 1);
    // docs/security.md#31: no token, no upload.
    let (ct, body) = multipart("forged", csv);
    let p = b.post_bytes("/admin/invitations", &ct, body).await;
    assert_eq!(p.status, 403);
    // A malformed file names the problem.
    let page = b.get("/admin/invitations").await;
    let (ct, body) = multipart(&page.csrf().unwrap(), "Name,Phone\nx,y\n");
    let p = b.post_bytes("/admin/invitations", &ct, body).await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("field-error"), "{}", p.body);
}

#[tokio::test]
async fn tenant_admins_cannot_reach_the_platform_pages() {
    let app = app().await;
    let admin = set_up(&app, "it@northwind.test", Some("northwind.test")).await;
    let mut b = signed_in(&app, &admin).await;
    assert_eq!(b.get("/admin/invitations").await.status, 404);
    assert_eq!(b.get("/admin/api-keys").await.status, 404);
}

#[tokio::test]
async fn an_api_key_created_in_the_console_is_shown_once_and_works() {
    let app = app().await;
    let admin = set_up(&app, "root@latchkey.test", None).await;
    let mut b = signed_in(&app, &admin).await;
    let p = b
        .submit(
            "/admin/api-keys",
            "/admin/api-keys",
            &[("name", "HR sync"), ("tenant_domain", "")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let at = p.body.find("shown only once").expect("the key is shown");
    let rest = &p.body[at..];
    let start = rest.find("<p class=\"mono\">").unwrap() + "<p class=\"mono\">".len();
    let key = rest[start..start + rest[start..].find('<').unwrap()].to_string();
    let res = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(&key)
        .json(&serde_json::json!({ "email": "bo@fabrikam.test", "display_name": "Bo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    // The list never shows the key again.
    let list = b.get("/admin/api-keys").await;
    assert!(!list.body.contains(&key));
    assert!(list.body.contains("HR sync"));
}
