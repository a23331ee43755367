//! A tiny browser for black-box tests: keeps cookies itself (so `__Host-`/`Secure` cookies work
//! against the plain-http test server), never follows redirects, and pulls `csrf_token` out of
//! pages for the next form.

use std::collections::BTreeMap;

#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    client: reqwest::Client,
}

/// A response read in full.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn csrf(&self) -> Option<String> {
        csrf_in(&self.body)
    }

    /// Asserts a `303 See Other` to `to`.
    pub fn assert_see_other(&self, to: &str) {
        assert_eq!(self.status, 303, "{}", self.body);
        assert_eq!(self.location(), Some(to));
    }

    /// The body with the CSRF token and the echoed address masked, to compare two pages that
    /// must not tell two addresses apart.
    pub fn masked(&self, email: &str) -> String {
        let mut body = self.body.replace(email, "EMAIL");
        if let Some(t) = self.csrf() {
            body = body.replace(&t, "TOKEN");
        }
        body
    }
}

/// What a person reads on `html`'s page: the text without tags, `<head>` or `<script>`, entities
/// decoded, runs of white space as one space.
pub fn visible_text(html: &str) -> String {
    let body = html.split_once("<body").map_or(html, |(_, b)| b);
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        // Inline elements run on with their text; every other tag breaks it.
        let name: String = tail[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !matches!(
            name.as_str(),
            "a" | "strong" | "em" | "b" | "i" | "span" | "code" | "abbr" | "small"
        ) {
            out.push(' ');
        }
        let close = if tail.starts_with("<script") {
            tail.find("</script>").map(|i| i + "</script>".len())
        } else {
            tail.find('>').map(|i| i + 1)
        };
        rest = close.map_or("", |c| &tail[c..]);
    }
    out.push_str(rest);
    let decoded = out
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The value of the first `name="csrf_token"` hidden field.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            cookies: BTreeMap::new(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                let first = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = first.split_once('=') {
                    let removed = value.is_empty()
                        || v.to_ascii_lowercase().contains("max-age=0")
                        || v.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
                    if removed {
                        self.cookies.remove(name.trim());
                    } else {
                        self.cookies
                            .insert(name.trim().to_string(), value.trim().to_string());
                    }
                }
            }
        }
        let body = res.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            // Links in mail point at public_base_url: keep only the path and query.
            let u = url::Url::parse(path).unwrap();
            let mut p = u.path().to_string();
            if let Some(q) = u.query() {
                p.push('?');
                p.push_str(q);
            }
            format!("{}{}", self.base, p)
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(self.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self
            .client
            .get(self.url(path))
            .header("cookie", self.cookie_header());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// POSTs urlencoded `fields` as given (no CSRF added).
    pub async fn post_raw(&mut self, path: &str, body: String, headers: &[(&str, &str)]) -> Page {
        let mut req = self
            .client
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// POSTs a body with its own content type (multipart uploads, JSON).
    pub async fn post_bytes(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let res = self
            .client
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// Fetches `form_page` for a CSRF token, then POSTs `fields` plus the token to `path`.
    pub async fn submit(&mut self, form_page: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        let token = page
            .csrf()
            .unwrap_or_else(|| panic!("no csrf_token on {form_page}: {}", page.body));
        self.post_form(path, &token, fields).await
    }

    /// On a reset flow that reached `/reset/new`: submits `password` twice.
    pub async fn set_new_password(&mut self, password: &str) -> Page {
        self.submit(
            "/reset/new",
            "/reset/new",
            &[("password", password), ("password_confirm", password)],
        )
        .await
    }

    /// Submits the guest sign-in form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Follows `page` when it is a redirect (one hop, as a browser after a form post), else
    /// returns it.
    pub async fn follow(&mut self, page: Page) -> Page {
        match (page.status, page.location()) {
            (301 | 302 | 303 | 307 | 308, Some(to)) => {
                let to = to.to_string();
                self.get(&to).await
            }
            _ => page,
        }
    }

    /// `POST /reset` for `email` (a fresh CSRF token from the form), following the redirect to
    /// the check-email page as a browser does.
    pub async fn ask_reset(&mut self, email: &str) -> Page {
        let posted = self.submit("/reset", "/reset", &[("email", email)]).await;
        self.follow(posted).await
    }

    /// Like [`Self::get`], but a connection error (a server killed mid-test) is `None`.
    pub async fn try_get(&mut self, path: &str) -> Option<Page> {
        let res = self
            .client
            .get(self.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .ok()?;
        Some(self.read(res).await)
    }

    /// Like [`Self::post_form`], but a connection error is `None`.
    pub async fn try_post_form(
        &mut self,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> Option<Page> {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf)];
        all.extend_from_slice(fields);
        let res = self
            .client
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&all).unwrap())
            .send()
            .await
            .ok()?;
        Some(self.read(res).await)
    }

    /// POSTs `fields` with the given CSRF token.
    pub async fn post_form(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.post_raw(path, body, &[]).await
    }
}
