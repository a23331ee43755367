# Guest pages: the layout, the start page, error pages and the reset flow.
# Messages may hold simple markup (<strong>, <a>); arguments are escaped in HTML.

## The layout (base.html)
base-skip-link = Skip to content
base-nav-label = Main
base-nav-forgot = Forgot your password?
base-nav-signin = Sign in
base-languages-label = Language

## Words used on many pages
continue = Continue
email-label = Email address
error-prefix = Error:{" "}
error-summary = There is a problem
link-invalid-title = This link is invalid or has expired
reset-your-password = Reset your password
password-advice = Use at least { $min } characters. A few unrelated words make a strong password that is easy to remember. Spaces and any characters are fine.
password-new-label = New password
password-again-label = Type it again
password-type-again = For your security, the passwords you typed are not shown again: type both once more.
password-show = Show the passwords
totp-code-label = 6-digit code

## The start page
index-title = Welcome
index-lead = This service lets guest users of partner organisations reset their own password.
index-signin = Already know your password? <a href="/signin">Sign in</a> to see your account and set up an authenticator app.
index-admins-heading = Administrators
index-admins = Helpdesk and security staff read the reset audit and manage tenants in the <a href="/admin/login">admin console</a>.

## Error pages
error-status = Error { $status }
error-home = Go to the start page
error-400-title = Something in the request was not right
error-400-text = Please go back and try again.
error-403-title = This form has expired
error-403-text = For your security the form could not be accepted. Go back, reload the page and try again.
error-404-title = Page not found
error-404-text = There is nothing at this address.
error-405-title = Not allowed
error-405-text = This page cannot be used that way.
error-413-title = Too much data
error-413-text = The form sent more data than this page accepts.
error-429-title = Too many attempts
error-429-text = Please wait a moment and try again.
error-429-wait-minutes = Please wait about { $n } minutes and try again.
error-429-wait-seconds = { $n ->
    [one] Please wait { $n } second and try again.
   *[other] Please wait { $n } seconds and try again.
}
error-503-title = Temporarily unavailable
error-503-text = The service cannot answer right now. Nothing was changed; please try again in a minute.
error-500-title = Something went wrong
error-500-text = Nothing was changed. Please try again later.

## The reset flow
reset-request-text = Enter the email address you use to sign in. If you can reset your password, we will email you a link and a code.
reset-request-submit = Send me a reset link
check-email-title = Check your email
check-email-sent-to = We have sent a message to <strong class="address">{ $email }</strong> if that address can reset its password here. It holds a link and a code.
check-email-not-yours = Not your address? <a href="/reset">Start again</a> with the right one.
check-email-on-its-way = If you can reset your password here, an email with a link and a code is on its way.
check-email-lifetime = The link and the code work for { $minutes } minutes. Open the link on any device, or type the code below in this browser.
check-email-code-label = Code from the email
check-email-code-hint = 8 letters and digits, for example ABCD-EFGH
check-email-no-mail = No email after a few minutes? Check your spam folder, or <a href="/reset">ask again</a>. If your organisation manages your account, its helpdesk can help too.
reset-verify-title = Enter your authenticator code
reset-verify-text = Your account uses an authenticator app. Open it and enter the 6-digit code it shows for { $service }.
reset-verify-lost-phone = Lost your phone? Ask your helpdesk to reset your authenticator.
reset-new-title = Choose a new password
reset-new-for = You are choosing a new password for <strong class="address">{ $email }</strong>.
reset-new-submit = Set new password
reset-done-title = Your password was changed
reset-done-text = You can now sign in with your new password. For your security, you were signed out everywhere else.
reset-done-none-title = No password was changed here
reset-done-none-text = This page confirms a password reset that was just completed in this browser, and there is none. Nothing has changed.
reset-done-none-start = To choose a new password, start with your email address.
reset-invalid-used = This reset has already been used. If you just changed your password, you can <a href="/signin">sign in</a> with it.
reset-invalid-text = Reset links and codes work once, for a short time, and only the newest one works.
reset-invalid-ask = Ask for a new one
reset-unavailable-title = You can't reset your password here
reset-unavailable-belongs = Accounts ending in @{ $domain } belong to { $tenant }.
reset-unavailable-helpdesk-can = Your organisation's helpdesk can reset it for you.
reset-unavailable-contact = Contact { $tenant }'s helpdesk
reset-unavailable-ask = Please ask { $tenant }'s helpdesk to reset it for you.
reset-failed-title = We could not change your password right now
reset-failed-text = Nothing was changed. Please try again in a few minutes: your link still works.

## "This wasn't me" (the link in the reset mail and the password-changed notice)
notme-confirm-title = This wasn't you?
notme-confirm-intro = If you did not ask for a password reset, or did not change your password, confirm below. We will:
notme-confirm-sign-out = sign your account out everywhere,
notme-confirm-cancel = cancel every reset link and code not yet used,
notme-confirm-tell = tell your organisation's administrators.
notme-confirm-nothing-yet = Your password stays as it is. Nothing happens until you confirm.
notme-confirm-button = Yes, this wasn't me
notme-done-title = Your account is protected
notme-done-what = You were signed out everywhere, every reset link and code was cancelled, and your organisation's administrators have been told.
notme-done-next = If someone changed your password, choose a new one now. Also change the password of your email account: whoever did this may be able to read your mail.
notme-reset-button = Reset your password
notme-invalid-title = This link is invalid or has already been used
notme-invalid-text = A "this wasn't me" link works once, for a few days. If you already used it, your account was protected then.
