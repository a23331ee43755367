# Guest pages that bring an account into being or confirm it: signup, invitation links,
# taking over an organisation, email confirmation (templates/signup/, invite/, takeover/,
# verify/), and the sentences their Rust code produces.
# Messages may hold simple markup (<strong>, <a>); arguments are escaped in HTML.

## Signup (signup/request.html, signup/check_email.html)
signup-title = Create an account
signup-intro = Enter your email address. We will email you a link to choose your password.
signup-submit = Email me a link
signup-have-account = Already have an account? <a href="/signin">Sign in</a>.
signup-sent = We have sent a message to the address you entered. Open the link in it to continue.
signup-no-mail = The link works once, for one day. No email after a few minutes? Check your spam folder, or <a href="/signup">ask again</a>.

## Choosing the password of a new account (invite/password.html)
invite-password-title = Create your account
invite-password-for = Choose a password for <strong>{ $email }</strong>.
invite-password-for-named = Choose a password for <strong>{ $email }</strong> ({ $name }).
invite-belongs = Your account will belong to <strong>{ $organisation }</strong>.
invite-personal = This is a personal address, so the account is yours alone: it does not belong to any organisation.
invite-via-cc = This invitation was sent to another address on your behalf. After you create the account we will email { $email } a link to confirm it: until then you cannot reset your password yourself.
invite-password-submit = Create my account

## The account was created, or existed already (invite/done.html)
invite-ready-title = Your account is ready
invite-created = Your account { $email } was created.
invite-created-in = Your account { $email } in { $organisation } was created.
invite-confirm-pending = One more step: we have emailed { $email } a link to confirm that the address is yours. Until you open it, you cannot reset your password yourself.
invite-already-title = You already have an account
invite-already-text = An account with this email address exists already, so no new one was created.

## A bad, used or expired link (invite/invalid.html)
invite-invalid-signup = Signup links work once, for one day.
invite-invalid-invitation = Invitation links work once, for 7 days. Ask the person who invited you to send a new invitation.
invite-invalid-sign-in = If you already created your account, <a href="/signin">sign in</a>.
invite-invalid-sign-in-or-restart = If you already created your account, <a href="/signin">sign in</a>, or <a href="/signup">start again</a>.

## A directory this service may not create accounts in (invite/read_only.html)
invite-read-only-title = Accounts are created by your organisation
invite-read-only-signup = Accounts for this service live in your organisation's directory, and this service cannot create new ones, so you cannot sign up here. Nothing was created.
invite-read-only-invitation = Accounts for this service live in your organisation's directory, and this service cannot create new ones, so this invitation cannot be used. Nothing was created.
invite-read-only-ask = Ask your administrator or helpdesk to create your account. Once it exists, you can <a href="/signin">sign in</a> and <a href="/reset">reset your password</a> here.

## The directory could not be reached (src/web/invite.rs, on the error page)
invite-unavailable-title = We could not create your account right now
invite-unavailable-text = Nothing was created. Please try again in a few minutes: your link still works.

## Taking over an organisation (takeover/index.html)
takeover-title = Manage your organisation
takeover-heading = Manage { $organisation }
takeover-ready = { $hours ->
    [one] Your administrator account is ready. Open this one-time link to set its password and authenticator app. It works once, for { $hours } hour, and is shown only now:
   *[other] Your administrator account is ready. Open this one-time link to set its password and authenticator app. It works once, for { $hours } hours, and is shown only now:
}
takeover-now-managed = { $organisation } is now managed, on the free plan: self-service password reset is switched off for its guests until the plan is upgraded to premium. Outstanding reset links of its guests no longer work.
takeover-intro = Nobody administers { $organisation } here yet. If you control the DNS of <strong>{ $domain }</strong>, you can become its administrator: you will then decide whether its guests may reset their passwords themselves.
takeover-warning = Taking over switches self-service reset off for every guest of { $domain } until the organisation moves to the premium plan.
takeover-publish-heading = 1. Publish this TXT record
takeover-record-name = Name
takeover-record-type = Type
takeover-record-type-txt = TXT
takeover-record-value = Value
takeover-valid-until = This value is valid until { $when }.
takeover-verify-heading = 2. Verify
takeover-verify-text = Once the record is published (DNS changes can take up to an hour), press the button.
takeover-verify-submit = Verify the TXT record
takeover-start-submit = Manage this organisation

## Why a guest cannot take over, and what a verification came to (src/onboarding/takeover.rs)
takeover-ineligible-unverified = Confirm your email address first: only a confirmed address can take over its organisation.
takeover-ineligible-consumer = Addresses at personal email providers are not part of an organisation, so there is nothing to take over.
takeover-ineligible-already-managed = Your organisation already has administrators. Ask them for help.
takeover-ineligible-no-domain = Your organisation's directory does not include your email domain, so it cannot be taken over from this account.
takeover-verified = Done: you now manage { $organisation }.
takeover-no-challenge = Start by asking for a TXT record below.
takeover-expired = That TXT record value has expired. Ask for a new one below and publish it instead.
takeover-record-missing = The TXT record was not found at your domain. Check that its value is exactly as shown, wait for DNS to update (this can take up to an hour), and try again.
takeover-domain-not-found = Your domain does not exist in DNS, so the TXT record cannot be found.
takeover-dns-unavailable = DNS did not answer just now. Nothing was changed; try again in a few minutes.
takeover-too-many = { $n ->
    [one] Too many verification attempts. Try again in { $n } minute.
   *[other] Too many verification attempts. Try again in { $n } minutes.
}
takeover-admin-exists = An administrator account with your email address exists already. Ask the operators of { $service } for help.

## Confirming an email address (verify/confirm.html, verify/done.html, verify/invalid.html)
verify-title = Confirm your email address
verify-intro = Press the button to confirm that this email address is yours. After that you can reset your password yourself.
verify-submit = Confirm my email address
verify-copy-intro = This account for <strong>{ $email }</strong> was created from a copy of your invitation that was sent to another address on your behalf.
verify-copy-notice = To confirm that the address is yours, choose your own password now. The password chosen with the copy stops working, any authenticator set up with it is removed, and everyone signed in to this account is signed out.
verify-copy-submit = Confirm and set my password
verify-done-title = Your email address is confirmed
verify-done-password = Thank you. Your new password is set and every earlier session has ended. Sign in with your new password; from now on you can reset it yourself whenever you need to.
verify-done-text = Thank you. You can now reset your password whenever you need to.
verify-done-reset = Reset my password
verify-invalid-text = Confirmation links work once, for 24 hours. If you have already confirmed your address, there is nothing more to do.
verify-invalid-new = To get a new link, ask for a password reset with your email address: if your address still needs confirming, we will email you a fresh link.
verify-invalid-ask = Ask for a new link
