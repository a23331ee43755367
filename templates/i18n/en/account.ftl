# Guest pages of a known account: sign-in, the account overview, the authenticator app
# (templates/signin/, templates/account/), and the sentences their Rust code produces.
# Messages may hold simple markup (<strong>, <a>); arguments are escaped in HTML.

## Sign-in (signin/signin.html)
signin-title = Sign in
signin-signed-out = You are signed out.
signin-intro = Sign in with your guest account to see your account and set up an authenticator app.
password-label = Password
signin-submit = Sign in
signin-forgot = Forgot your password? <a href="/reset">Reset it here</a>.
# Every failed sign-in gets this one sentence (no hint which of the two was wrong).
signin-failed = That email and password don't match. Check them and try again.

## Every account page (account/base.html)
account-nav-overview = Your account
account-nav-security = Security
account-sign-out = Sign out
account-sign-out-note = Signing out ends your session on every device.

## The overview (account/overview.html)
account-title = Your account
account-email-confirmed = { $email } (confirmed)
account-email-unconfirmed = { $email } (not confirmed yet)
account-name = Name
account-organisation = Organisation
account-administration = Administration
account-kind-consumer = Personal email address, not part of an organisation
account-kind-managed = Managed by your organisation's administrators
account-kind-unmanaged = Not managed by an administrator
account-kind-unknown = Unknown
account-methods-heading = How you can reset your password
account-method-email = Email link and code, sent to { $email }
account-method-totp = Authenticator app
account-no-totp = No authenticator app is set up. <a href="/account/security">Set one up</a> for extra protection.
account-reset-allowed = You can reset your password yourself at any time: use <a href="/reset">Forgot your password?</a>
account-set-up-totp = Set up an authenticator app
account-note-unverified = Your email address is not confirmed yet. Ask for a password reset and we will first email you a link to confirm it.
account-note-needs-totp = Your organisation requires an authenticator app for self-service reset, and you have not set one up yet.
account-note-unavailable = Self-service reset is not available for your account right now. Please contact your organisation's helpdesk.
account-manage-heading = Do you run IT for { $domain }?
account-manage-intro = Nobody administers { $tenant } here yet. If you control the DNS of { $domain }, you can become its administrator. Before you do, know what changes:
account-manage-admin = You become the administrator of every { $domain } guest account, with an admin console of your own.
account-manage-plan = Whether those guests, you included, can reset their passwords themselves then depends on the organisation's plan: on the free plan, self-service reset is switched off for all of them, and links already sent stop working.
account-manage-link = Manage { $domain }: how it works

## The authenticator app (account/security.html)
account-security-title = Security
account-totp-heading = Authenticator app
account-totp-on = An authenticator app is set up for your account. A password reset asks for a code from it as well as the emailed link.
account-totp-remove = Remove the authenticator app
account-totp-required = Your organisation requires an authenticator app for self-service reset. Without one you will need your helpdesk to reset your password.
account-totp-remove-proof = To confirm it is you, enter your current password <strong>or</strong> a code from the app.
account-current-password = Current password
account-remove-code-label = Or a 6-digit code from the app
account-totp-explain = An authenticator app (such as Microsoft Authenticator, Google Authenticator or any TOTP app) shows a new 6-digit code every 30 seconds. With one set up, a password reset asks for that code too, so an email alone is not enough to take over your account.
account-totp-scan = In the app, add an account and scan this QR code:
account-totp-qr-alt = QR code to add { $service } to your authenticator app
account-totp-on-phone = On this phone?
account-totp-open-app = Open it in your authenticator app
account-totp-cant-scan = Can't scan it? Enter this key in the app instead:
account-totp-enter-code = { $minutes ->
    [one] Enter the 6-digit code the app now shows, within { $minutes } minute.
   *[other] Enter the 6-digit code the app now shows, within { $minutes } minutes.
}
account-totp-code-label = 6-digit code from the app
account-totp-submit = Turn on the authenticator app

## Sentences the account pages' Rust code produces (src/web/account.rs)
account-totp-enrolled = Your authenticator app is set up. A password reset will now also ask for a code from it.
account-totp-removed = Your authenticator app was removed from your account.
account-setup-expired = That setup took too long and has expired. Scan the new code below, then enter the code your app shows.
account-setup-wrong-code = That code is not right. Enter the 6-digit code your app shows now for { $service }.
account-remove-wrong = That password or code is not right. Enter your current password, or a code from your authenticator app.
