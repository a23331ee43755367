# E-Mails (templates/email/). Schlüssel auf -html dürfen Markup enthalten und stehen nur im
# HTML-Teil; die anderen sind reiner Text für beide Teile.

mail-hello = Guten Tag,
mail-someone-asked-reset = Jemand (wahrscheinlich Sie) hat angefordert, das Passwort für diese E-Mail-Adresse zurückzusetzen.
mail-not-you-unchanged = Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Ihr Passwort wurde nicht geändert.
mail-not-you-nothing = Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Es wurde nichts geändert.
mail-not-you-nothing-was = Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Es wurde nichts geändert.
mail-confirm-title = Bestätigen Sie Ihre E-Mail-Adresse
mail-confirm-button = Meine E-Mail-Adresse bestätigen
mail-signin = Anmelden
mail-forgot = Passwort vergessen?

## Der Link zum Zurücksetzen
mail-reset-subject = Setzen Sie Ihr Passwort zurück
mail-reset-button = Neues Passwort wählen
mail-reset-open-link = Um ein neues Passwort zu wählen, öffnen Sie diesen Link:
mail-reset-or-code = Oder geben Sie im Browserfenster, in dem Sie die Anfrage gestellt haben, diesen Code ein:
mail-reset-expiry-html = Link und Code laufen in <strong>{ $expires_in }</strong> ab, um <strong>{ $expires_at }</strong>. Sie gelten nur einmal. Wenn sie abgelaufen sind, <a href="{ $url }">fordern Sie neue an</a>.
mail-reset-expiry-text = Link und Code laufen in { $expires_in } ab, um { $expires_at }. Sie gelten nur einmal. Wenn sie abgelaufen sind, fordern Sie neue an unter { $url }
mail-reset-not-you = Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Ihr Passwort bleibt unverändert, und niemand kann es ohne diesen Link oder Code ändern. Geben Sie beides niemals weiter, auch nicht an Personen, die angeben, vom Helpdesk zu sein.

## Das Konto ist gesperrt
mail-locked-subject = Das Zurücksetzen Ihres Passworts ist vorerst pausiert
mail-locked-text = Jemand (wahrscheinlich Sie) hat angefordert, das Passwort für diese E-Mail-Adresse zurückzusetzen, aber wir können gerade keinen Link senden: Es gab zu viele Versuche für dieses Konto, daher ist es zu seinem Schutz eine Weile gesperrt.
mail-locked-retry-html = Sie können es in <strong>{ $retry_in }</strong> erneut versuchen, nach <strong>{ $retry_at }</strong>, auf der <a href="{ $url }">Seite zum Zurücksetzen des Passworts</a>.
mail-locked-retry-text = Sie können es in { $retry_in } erneut versuchen, nach { $retry_at }, unter { $url }
mail-locked-sooner = Wenn Sie früher Zugang benötigen, wenden Sie sich an { $helpdesk }.

## Das Passwort wurde geändert
mail-changed-subject = Ihr Passwort wurde geändert
mail-changed-when-html = Das Passwort für diese E-Mail-Adresse wurde um <strong>{ $changed_at }</strong> von der Internetadresse <strong>{ $ip }</strong> aus geändert.
mail-changed-when-text = Das Passwort für diese E-Mail-Adresse wurde um { $changed_at } von der Internetadresse { $ip } aus geändert.
mail-changed-if-you = Wenn Sie das waren, ist nichts weiter zu tun. Sie wurden überall sonst abgemeldet; melden Sie sich mit Ihrem neuen Passwort erneut an.
mail-changed-if-not-you-html = <strong>Wenn Sie das nicht waren</strong>, hat möglicherweise jemand anderes Zugriff auf Ihre E-Mails. Handeln Sie jetzt:
mail-changed-if-not-you-text = Wenn Sie das NICHT waren, hat möglicherweise jemand anderes Zugriff auf Ihre E-Mails. Handeln Sie jetzt:
mail-changed-step-mailbox = Ändern Sie das Passwort Ihres E-Mail-Kontos.
mail-changed-step-reset = Setzen Sie Ihr Passwort erneut zurück
mail-changed-step-reset-text = Setzen Sie Ihr Passwort erneut zurück unter { $url }
mail-changed-step-tell = Teilen Sie { $helpdesk } mit, was passiert ist.
mail-changed-step-tell-it = Teilen Sie dem IT-Helpdesk Ihrer Organisation mit, was passiert ist.

## Die Adresse ist nicht bestätigt
mail-unverified-subject = Bestätigen Sie Ihre E-Mail-Adresse, bevor Sie Ihr Passwort zurücksetzen
mail-unverified-text = Jemand (wahrscheinlich Sie) hat angefordert, das Passwort für diese E-Mail-Adresse zurückzusetzen. Bevor wir einen Link senden können, müssen wir wissen, dass diese Adresse wirklich Ihnen gehört, und sie wurde noch nicht bestätigt.
mail-unverified-open-link = Um sie zu bestätigen, öffnen Sie diesen Link:
mail-unverified-expiry-html = Dieser Link läuft in <strong>{ $expires_in }</strong> ab, um <strong>{ $expires_at }</strong>. Sobald Ihre Adresse bestätigt ist, <a href="{ $url }">fordern Sie das Zurücksetzen erneut an</a>.
mail-unverified-expiry-text = Dieser Link läuft in { $expires_in } ab, um { $expires_at }. Sobald Ihre Adresse bestätigt ist, fordern Sie das Zurücksetzen erneut an unter { $url }

## Keine Authenticator-App eingerichtet
mail-methods-subject = Ihr Passwort kann noch nicht per E-Mail zurückgesetzt werden
mail-methods-text = Jemand (wahrscheinlich Sie) hat angefordert, das Passwort für diese E-Mail-Adresse zurückzusetzen. { $tenant } verlangt vor dem Zurücksetzen eine zweite Prüfung: einen Code aus einer Authenticator-App auf Ihrem Telefon. Für Ihr Konto ist noch keine eingerichtet, daher können wir keinen Link senden.
mail-methods-know-html = <strong>Wenn Sie Ihr Passwort noch kennen:</strong> <a href="{ $signin }">Melden Sie sich an</a> und <a href="{ $security }">fügen Sie eine Authenticator-App hinzu</a>. Danach können Sie Ihr Passwort jederzeit per E-Mail zurücksetzen.
mail-methods-know-text =
    Wenn Sie Ihr Passwort noch kennen: Melden Sie sich an unter { $signin } und fügen Sie auf dieser Seite eine Authenticator-App hinzu: { $security }
    Danach können Sie Ihr Passwort jederzeit per E-Mail zurücksetzen.
mail-methods-forgot-helpdesk-html = <strong>Wenn Sie Ihr Passwort nicht kennen:</strong> Wenden Sie sich an { $helpdesk }. Dort kann man Ihre Identität bestätigen und Ihnen wieder Zugang verschaffen.
mail-methods-forgot-tenant-html = <strong>Wenn Sie Ihr Passwort nicht kennen:</strong> Wenden Sie sich an den IT-Helpdesk von { $tenant }. Dort kann man Ihre Identität bestätigen und Ihnen wieder Zugang verschaffen.
mail-methods-forgot-helpdesk-text = Wenn Sie Ihr Passwort nicht kennen: Wenden Sie sich an { $helpdesk }. Dort kann man Ihre Identität bestätigen und Ihnen wieder Zugang verschaffen.
mail-methods-forgot-tenant-text = Wenn Sie Ihr Passwort nicht kennen: Wenden Sie sich an den IT-Helpdesk von { $tenant }. Dort kann man Ihre Identität bestätigen und Ihnen wieder Zugang verschaffen.

## Eine Adresse bestätigen
mail-verify-text = Bitte bestätigen Sie, dass diese E-Mail-Adresse Ihnen gehört.
mail-verify-open-link = Bitte bestätigen Sie, dass diese E-Mail-Adresse Ihnen gehört, indem Sie diesen Link öffnen:
mail-verify-expiry-html = Dieser Link läuft in <strong>{ $expires_in }</strong> ab, um <strong>{ $expires_at }</strong>, und gilt nur einmal. Mit einer bestätigten Adresse können Sie Ihr Passwort per E-Mail zurücksetzen, falls Sie es einmal vergessen.
mail-verify-expiry-text = Dieser Link läuft in { $expires_in } ab, um { $expires_at }, und gilt nur einmal. Mit einer bestätigten Adresse können Sie Ihr Passwort per E-Mail zurücksetzen, falls Sie es einmal vergessen.
mail-verify-not-expected = Wenn Sie diese E-Mail nicht erwartet haben, können Sie sie ignorieren: Es wird nichts geändert.

## Eine Einladung
mail-invite-title = Einladung zu { $tenant }
mail-invite-heading = Sie sind zu { $tenant } eingeladen
mail-invite-subject-from = { $inviter } hat Sie zu { $tenant } eingeladen
mail-invite-from = { $inviter } hat Sie eingeladen, { $tenant } als Gast beizutreten.
mail-invite-anonymous = Sie wurden eingeladen, { $tenant } als Gast beizutreten.
mail-invite-button = Einladung annehmen
mail-invite-open-link = Um sie anzunehmen, öffnen Sie diesen Link und wählen Sie Ihr Passwort:
mail-invite-expiry-from-html = Die Einladung gilt <strong>{ $expires_in }</strong>, bis <strong>{ $expires_at }</strong>, und nur einmal. Wenn sie abgelaufen ist, bitten Sie { $inviter }, eine neue zu senden.
mail-invite-expiry-html = Die Einladung gilt <strong>{ $expires_in }</strong>, bis <strong>{ $expires_at }</strong>, und nur einmal. Wenn sie abgelaufen ist, bitten Sie die Person, die Sie eingeladen hat, eine neue zu senden.
mail-invite-expiry-from-text = Die Einladung gilt { $expires_in }, bis { $expires_at }, und nur einmal. Wenn sie abgelaufen ist, bitten Sie { $inviter }, eine neue zu senden.
mail-invite-expiry-text = Die Einladung gilt { $expires_in }, bis { $expires_at }, und nur einmal. Wenn sie abgelaufen ist, bitten Sie die Person, die Sie eingeladen hat, eine neue zu senden.
mail-invite-not-expected = Wenn Sie das nicht erwartet haben, können Sie diese E-Mail ignorieren: Ein Konto wird nur erstellt, wenn Sie annehmen.

## Selbstregistrierung
mail-signup-subject = Schließen Sie die Erstellung Ihres Kontos ab
mail-signup-existing-subject = Sie haben bereits ein Konto
mail-signup-text-html = Jemand, hoffentlich Sie, hat angefordert, ein Gastkonto für diese E-Mail-Adresse zu erstellen. Um Ihr Passwort zu wählen und abzuschließen, verwenden Sie die Schaltfläche unten.
mail-signup-text = Jemand, hoffentlich Sie, hat angefordert, ein Gastkonto für diese E-Mail-Adresse zu erstellen. Um Ihr Passwort zu wählen und abzuschließen, öffnen Sie diesen Link:
mail-signup-button = Mein Passwort wählen
mail-signup-expiry-html = Dieser Link läuft in <strong>{ $expires_in }</strong> ab, um <strong>{ $expires_at }</strong>, und gilt nur einmal.
mail-signup-expiry-text = Dieser Link läuft in { $expires_in } ab, um { $expires_at }, und gilt nur einmal.
mail-signup-not-you = Wenn Sie kein Konto angefordert haben, können Sie diese E-Mail ignorieren: Es wird nur etwas erstellt, wenn der Link verwendet wird.
mail-signup-existing-text = Jemand, hoffentlich Sie, hat angefordert, ein Gastkonto für diese E-Mail-Adresse zu erstellen, aber Sie haben bereits eines.

## Der Block am Ende jeder Nachricht: das Konto, der Gastgeber, die Anfrage, „Das war ich nicht“
mail-about-account-html = Diese Nachricht betrifft das Konto <strong>{ $account }</strong>.
mail-about-guest-of-html = Sie sind Gast von <strong>{ $organisation }</strong>.
mail-about-account-text = Diese Nachricht betrifft das Konto { $account }.
mail-about-guest-of-text = Sie sind Gast von { $organisation }.
mail-about-asked = Angefordert am { $at }.
mail-about-asked-from = Angefordert am { $at } von der Internetadresse { $ip }.
mail-about-asked-from-with = Angefordert am { $at } von der Internetadresse { $ip } ({ $browser }).
mail-about-not-me-question = Das waren nicht Sie?
mail-about-not-me-link = Teilen Sie es uns mit
mail-about-not-me-effect = Wir melden Sie überall ab, machen alle Links und Codes zum Zurücksetzen ungültig und informieren die Administratoren Ihrer Organisation.
mail-no-reply = Bitte antworten Sie nicht auf diese Nachricht: Antworten werden nicht gelesen.

## An die Administratoren eines Mandanten: ein Gast meldet ein fremdes Zurücksetzen
mail-notme-alert-subject = Ein Gast von { $tenant } hat ein Zurücksetzen des Passworts gemeldet, das nicht von ihm stammt
mail-notme-alert-heading = Ein Gast hat ein fremdes Zurücksetzen gemeldet
mail-notme-alert-said-html = Der Gast <strong>{ $guest }</strong> von <strong>{ $tenant }</strong> hat am { $at } angegeben, dass ein Zurücksetzen oder Ändern des Passworts seines Kontos nicht von ihm stammt.
mail-notme-alert-said-text = Der Gast { $guest } von { $tenant } hat am { $at } angegeben, dass ein Zurücksetzen oder Ändern des Passworts seines Kontos nicht von ihm stammt.
mail-notme-alert-done = Sofort erledigt: Alle Sitzungen des Kontos wurden beendet, und alle noch nicht verwendeten Links und Codes zum Zurücksetzen wurden ungültig gemacht. Das Passwort selbst wurde nicht geändert.
mail-notme-alert-button = Protokoll öffnen
mail-notme-alert-check = Bitte klären Sie es mit dem Gast und sehen Sie sich das Protokoll des Kontos an:
