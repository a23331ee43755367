# Sentences produced in Rust for guests: form errors, the reset policy's refusals, the
# directory's refusals (src/i18n/messages.rs).

## An address typed into a form
email-error-empty = Enter your email address.
email-error-malformed = Enter an email address like name@example.com.
email-error-multiple-at = Enter a single email address: it can contain only one @.
email-error-list = Enter one email address only, without commas or semicolons.
email-error-whitespace = An email address cannot contain spaces, line breaks or invisible characters.
email-error-quoted = Quoted local parts like "a b"@x.y are not supported.
email-error-empty-local = The part before the @ is missing.
email-error-local-too-long = The part before the @ is too long (at most 64 characters).
email-error-local-dots = The part before the @ cannot start or end with a dot or contain two dots in a row.
email-error-local-character = The part before the @ contains a character that is not allowed in email addresses.
email-error-empty-domain = The domain after the @ is missing.
email-error-ip-literal = Addresses at an IP address are not supported; use an address with a domain name.
email-error-domain-without-dot = The domain after the @ must contain a dot, like example.com.
email-error-domain-too-long = The domain after the @ is too long.
email-error-invalid-domain = The domain after the @ is not a valid domain name.
email-error-too-long = The email address is too long (at most 254 characters).

## A new password
password-too-short = Use at least { $min } characters.
password-too-long = Use at most { $max } characters.
password-mismatch = The two passwords don't match.
password-common = This password is too common — choose another.
password-contains-context = Don't use your email name or your organisation's name in the password.
password-banned-word = This password contains a word your organisation does not allow; choose another.
password-breached = { $count ->
    [one] This password has appeared in a data breach once; choose another.
   *[other] This password has appeared in a data breach { $count } times; choose another.
}
password-breach-check-unavailable = We can't check this password against known data breaches right now; try again shortly.
password-too-guessable = This password is too easy to guess — try a longer phrase of unrelated words.
password-same-as-current = Choose a password different from your current one.

## The organisation's directory refused a password
directory-too-short = Your organisation's directory requires a longer password. Choose a longer one.
directory-in-history = You have used this password before. Choose one you have not used recently.
directory-quality = Your organisation's password rules refused this password (length, complexity or reuse). Choose a different, longer password.
directory-too-young = This password was changed too recently. Try again later.
directory-other = Your organisation's directory refused this password. Choose a different one.

## Why a reset is not possible (the policy's refusals, as guests read them)
deny-tenant-not-licensed = Your organisation manages your account and has not turned on self-service password reset.
deny-sspr-disabled = Your organisation manages your account and has switched self-service password reset off.
deny-unknown-account = There is no guest account with this email address.
deny-account-disabled = This guest account has been disabled. Please contact the person who invited you.
deny-account-locked = Your account is temporarily locked after too many unsuccessful reset attempts. You can try again after { $until } UTC.
deny-email-undeliverable = We cannot deliver email to this address, so we cannot send a reset link to it.
deny-email-unverified = Your email address has not been confirmed yet, so we cannot send a reset link to it. Confirm your address with the link in this message, then ask for a reset again.
deny-methods-not-registered = Your organisation requires a second verification method (an authenticator app) to reset your password, and none is set up for your account. Please ask your organisation's helpdesk to help you register one.

## Codes typed into the reset flow
code-wrong = That code is not right. Check the email and try again.
tries-left = { $n ->
    [one] You have { $n } try left.
   *[other] You have { $n } tries left.
}
totp-wrong = That code is not right. Enter the 6-digit code your authenticator app shows now.
