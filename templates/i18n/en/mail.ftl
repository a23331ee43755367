# Mails (templates/email/). Keys ending in -html may hold markup and are used only in the HTML
# part; the others are plain text and shared by both parts. Durations and times arrive written
# out in the mail's language (words.ftl).

mail-hello = Hello,
mail-someone-asked-reset = Someone (probably you) asked to reset the password for this email address.
mail-not-you-unchanged = If you did not ask for this, you can ignore this email: your password has not been changed.
mail-not-you-nothing = If you did not ask for this, you can ignore this email: nothing has been changed.
mail-not-you-nothing-was = If you did not ask for this, you can ignore this email: nothing was changed.
mail-confirm-title = Confirm your email address
mail-confirm-button = Confirm my email address
mail-signin = Sign in
mail-forgot = Forgot your password?

## The reset link
mail-reset-subject = Reset your password
mail-reset-button = Choose a new password
mail-reset-open-link = To choose a new password, open this link:
mail-reset-or-code = Or, in the browser window where you asked, type this code:
mail-reset-expiry-html = This link and code expire in <strong>{ $expires_in }</strong>, at <strong>{ $expires_at }</strong>. They work only once. If they have expired, <a href="{ $url }">ask for a new one</a>.
mail-reset-expiry-text = This link and code expire in { $expires_in }, at { $expires_at }. They work only once. If they have expired, ask for a new one at { $url }
mail-reset-not-you = If you did not ask for this, you can ignore this email: your password stays the same, and nobody can change it without this link or code. Never share them with anyone, including people who say they are from the helpdesk.

## The account is locked
mail-locked-subject = Your password reset is paused for now
mail-locked-text = Someone (probably you) asked to reset the password for this email address, but we cannot send a reset link right now: there have been too many attempts on this account, so it is locked for a while to keep it safe.
mail-locked-retry-html = You can try again in <strong>{ $retry_in }</strong>, after <strong>{ $retry_at }</strong>, on the <a href="{ $url }">password reset page</a>.
mail-locked-retry-text = You can try again in { $retry_in }, after { $retry_at }, at { $url }
mail-locked-sooner = If you need to get in sooner, contact { $helpdesk }.

## The password was changed
mail-changed-subject = Your password was changed
mail-changed-when-html = The password for this email address was changed at <strong>{ $changed_at }</strong>, from the internet address <strong>{ $ip }</strong>.
mail-changed-when-text = The password for this email address was changed at { $changed_at }, from the internet address { $ip }.
mail-changed-if-you = If this was you, there is nothing more to do. You have been signed out everywhere else; sign in again with your new password.
mail-changed-if-not-you-html = <strong>If this was not you</strong>, someone else may have access to your email. Act now:
mail-changed-if-not-you-text = If this was NOT you, someone else may have access to your email. Act now:
mail-changed-step-mailbox = Change the password of your email account.
mail-changed-step-reset = Reset your password again
mail-changed-step-reset-text = Reset your password again at { $url }
mail-changed-step-tell = Tell { $helpdesk } what happened.
mail-changed-step-tell-it = Tell your organisation's IT helpdesk what happened.

## The address is not confirmed (instead of a reset link)
mail-unverified-subject = Confirm your email address before resetting your password
mail-unverified-text = Someone (probably you) asked to reset the password for this email address. Before we can send a reset link, we need to know that this address really belongs to you, and it has not been confirmed yet.
mail-unverified-open-link = To confirm it, open this link:
mail-unverified-expiry-html = This link expires in <strong>{ $expires_in }</strong>, at <strong>{ $expires_at }</strong>. Once your address is confirmed, <a href="{ $url }">ask for a password reset again</a>.
mail-unverified-expiry-text = This link expires in { $expires_in }, at { $expires_at }. Once your address is confirmed, ask for a password reset again at { $url }

## No authenticator set up (instead of a reset link)
mail-methods-subject = Your password cannot be reset by email yet
mail-methods-text = Someone (probably you) asked to reset the password for this email address. { $tenant } asks for a second check before a password can be reset: a code from an authenticator app on your phone. Your account does not have one set up yet, so we cannot send a reset link.
mail-methods-know-html = <strong>If you still know your password:</strong> <a href="{ $signin }">sign in</a> and <a href="{ $security }">add an authenticator app</a>. After that, you can reset your password by email whenever you need to.
mail-methods-know-text =
    If you still know your password: sign in at { $signin } and add an authenticator app on this page: { $security }
    After that, you can reset your password by email whenever you need to.
mail-methods-forgot-helpdesk-html = <strong>If you do not know your password:</strong> contact { $helpdesk }. They can confirm who you are and help you get back in.
mail-methods-forgot-tenant-html = <strong>If you do not know your password:</strong> contact the IT helpdesk of { $tenant }. They can confirm who you are and help you get back in.
mail-methods-forgot-helpdesk-text = If you do not know your password: contact { $helpdesk }. They can confirm who you are and help you get back in.
mail-methods-forgot-tenant-text = If you do not know your password: contact the IT helpdesk of { $tenant }. They can confirm who you are and help you get back in.

## Confirming an address
mail-verify-text = Please confirm that this email address belongs to you.
mail-verify-open-link = Please confirm that this email address belongs to you by opening this link:
mail-verify-expiry-html = This link expires in <strong>{ $expires_in }</strong>, at <strong>{ $expires_at }</strong>, and works only once. Confirming your address lets you reset your password by email if you ever forget it.
mail-verify-expiry-text = This link expires in { $expires_in }, at { $expires_at }, and works only once. Confirming your address lets you reset your password by email if you ever forget it.
mail-verify-not-expected = If you did not expect this email, you can ignore it: nothing will be changed.

## An invitation
mail-invite-title = Invitation to { $tenant }
mail-invite-heading = You are invited to { $tenant }
mail-invite-subject-from = { $inviter } invited you to { $tenant }
mail-invite-from = { $inviter } has invited you to join { $tenant } as a guest.
mail-invite-anonymous = You have been invited to join { $tenant } as a guest.
mail-invite-button = Accept the invitation
mail-invite-open-link = To accept, open this link and choose your password:
mail-invite-expiry-from-html = The invitation is valid for <strong>{ $expires_in }</strong>, until <strong>{ $expires_at }</strong>, and works only once. If it has expired, ask { $inviter } to send a new one.
mail-invite-expiry-html = The invitation is valid for <strong>{ $expires_in }</strong>, until <strong>{ $expires_at }</strong>, and works only once. If it has expired, ask the person who invited you to send a new one.
mail-invite-expiry-from-text = The invitation is valid for { $expires_in }, until { $expires_at }, and works only once. If it has expired, ask { $inviter } to send a new one.
mail-invite-expiry-text = The invitation is valid for { $expires_in }, until { $expires_at }, and works only once. If it has expired, ask the person who invited you to send a new one.
mail-invite-not-expected = If you were not expecting this, you can ignore this email: no account is created unless you accept.

## Self-service signup
mail-signup-subject = Finish creating your account
mail-signup-existing-subject = You already have an account
mail-signup-text-html = Someone, hopefully you, asked to create a guest account for this email address. To choose your password and finish, use the button below.
mail-signup-text = Someone, hopefully you, asked to create a guest account for this email address. To choose your password and finish, open this link:
mail-signup-button = Choose my password
mail-signup-expiry-html = This link expires in <strong>{ $expires_in }</strong>, at <strong>{ $expires_at }</strong>, and works only once.
mail-signup-expiry-text = This link expires in { $expires_in }, at { $expires_at }, and works only once.
mail-signup-not-you = If you did not ask for an account, you can ignore this email: nothing is created unless the link is used.
mail-signup-existing-text = Someone, hopefully you, asked to create a guest account for this email address, but you already have one.

## The block at the end of every mail: the account, the host, the request, "this wasn't me"
mail-about-account-html = This email is about the account <strong>{ $account }</strong>.
mail-about-guest-of-html = You are a guest of <strong>{ $organisation }</strong>.
mail-about-account-text = This email is about the account { $account }.
mail-about-guest-of-text = You are a guest of { $organisation }.
mail-about-asked = Asked at { $at }.
mail-about-asked-from = Asked at { $at } from the internet address { $ip }.
mail-about-asked-from-with = Asked at { $at } from the internet address { $ip } ({ $browser }).
mail-about-not-me-question = This wasn't you?
mail-about-not-me-link = Tell us
mail-about-not-me-effect = we will sign you out everywhere, cancel every reset link and code, and tell your organisation's administrators.
mail-no-reply = Please do not reply: replies are not read.

## To a tenant's admins: a guest said a reset was not theirs
mail-notme-alert-subject = A guest of { $tenant } reported a password reset that was not theirs
mail-notme-alert-heading = A guest reported a reset that was not theirs
mail-notme-alert-said-html = The guest <strong>{ $guest }</strong> of <strong>{ $tenant }</strong> said, at { $at }, that a password reset or change of their account was not made by them.
mail-notme-alert-said-text = The guest { $guest } of { $tenant } said, at { $at }, that a password reset or change of their account was not made by them.
mail-notme-alert-done = What was done at once: every session of the account was ended, and every reset link and code not yet used was cancelled. The password itself was not changed.
mail-notme-alert-button = Open the audit trail
mail-notme-alert-check = Please check with the guest, and look at the account's audit trail:
