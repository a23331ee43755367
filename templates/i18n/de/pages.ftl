# Gastseiten: das Layout, die Startseite, Fehlerseiten und das Zurücksetzen.
# Meldungen dürfen einfaches Markup enthalten (<strong>, <a>); Argumente werden in HTML maskiert.

## Das Layout (base.html)
base-skip-link = Zum Inhalt springen
base-nav-label = Hauptmenü
base-nav-forgot = Passwort vergessen?
base-nav-signin = Anmelden
base-languages-label = Sprache

## Wörter auf vielen Seiten
continue = Weiter
email-label = E-Mail-Adresse
error-prefix = Fehler:{" "}
error-summary = Es gibt ein Problem
link-invalid-title = Dieser Link ist ungültig oder abgelaufen
reset-your-password = Passwort zurücksetzen
password-advice = Verwenden Sie mindestens { $min } Zeichen. Einige voneinander unabhängige Wörter ergeben ein starkes Passwort, das man sich leicht merken kann. Leerzeichen und beliebige Zeichen sind erlaubt.
password-new-label = Neues Passwort
password-again-label = Passwort wiederholen
password-type-again = Zu Ihrer Sicherheit werden die eingegebenen Passwörter nicht erneut angezeigt: Bitte geben Sie beide noch einmal ein.
password-show = Passwörter anzeigen
totp-code-label = 6-stelliger Code

## Die Startseite
index-title = Willkommen
index-lead = Mit diesem Dienst können Gastbenutzer von Partnerorganisationen ihr Passwort selbst zurücksetzen.
index-signin = Sie kennen Ihr Passwort? <a href="/signin">Melden Sie sich an</a>, um Ihr Konto zu sehen und eine Authenticator-App einzurichten.
index-admins-heading = Administratoren
index-admins = Helpdesk- und Sicherheitsteams sehen das Protokoll der Zurücksetzungen ein und verwalten Mandanten in der <a href="/admin/login">Verwaltungskonsole</a>.

## Fehlerseiten
error-status = Fehler { $status }
error-home = Zur Startseite
error-400-title = Mit der Anfrage stimmte etwas nicht
error-400-text = Bitte gehen Sie zurück und versuchen Sie es erneut.
error-403-title = Dieses Formular ist abgelaufen
error-403-text = Zu Ihrer Sicherheit konnte das Formular nicht angenommen werden. Gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.
error-404-title = Seite nicht gefunden
error-404-text = Unter dieser Adresse gibt es nichts.
error-405-title = Nicht erlaubt
error-405-text = Diese Seite kann so nicht verwendet werden.
error-413-title = Zu viele Daten
error-413-text = Das Formular hat mehr Daten gesendet, als diese Seite annimmt.
error-429-title = Zu viele Versuche
error-429-text = Bitte warten Sie einen Moment und versuchen Sie es dann erneut.
error-429-wait-minutes = Bitte warten Sie etwa { $n } Minuten und versuchen Sie es dann erneut.
error-429-wait-seconds = { $n ->
    [one] Bitte warten Sie { $n } Sekunde und versuchen Sie es dann erneut.
   *[other] Bitte warten Sie { $n } Sekunden und versuchen Sie es dann erneut.
}
error-503-title = Vorübergehend nicht verfügbar
error-503-text = Der Dienst kann gerade nicht antworten. Es wurde nichts geändert; bitte versuchen Sie es in einer Minute erneut.
error-500-title = Etwas ist schiefgelaufen
error-500-text = Es wurde nichts geändert. Bitte versuchen Sie es später erneut.

## Das Zurücksetzen
reset-request-text = Geben Sie die E-Mail-Adresse ein, mit der Sie sich anmelden. Wenn Sie Ihr Passwort zurücksetzen können, senden wir Ihnen einen Link und einen Code per E-Mail.
reset-request-submit = Link zum Zurücksetzen senden
check-email-title = Prüfen Sie Ihre E-Mails
check-email-sent-to = Wir haben eine Nachricht an <strong class="address">{ $email }</strong> gesendet, sofern für diese Adresse hier ein Zurücksetzen möglich ist. Sie enthält einen Link und einen Code.
check-email-not-yours = Nicht Ihre Adresse? <a href="/reset">Beginnen Sie erneut</a> mit der richtigen.
check-email-on-its-way = Wenn Sie Ihr Passwort hier zurücksetzen können, ist eine E-Mail mit einem Link und einem Code unterwegs.
check-email-lifetime = Link und Code gelten { $minutes } Minuten. Öffnen Sie den Link auf einem beliebigen Gerät oder geben Sie den Code unten in diesem Browser ein.
check-email-code-label = Code aus der E-Mail
check-email-code-hint = 8 Buchstaben und Ziffern, zum Beispiel ABCD-EFGH
check-email-no-mail = Nach einigen Minuten keine E-Mail? Sehen Sie im Spam-Ordner nach oder <a href="/reset">fordern Sie erneut an</a>. Wenn Ihre Organisation Ihr Konto verwaltet, kann auch deren Helpdesk helfen.
reset-verify-title = Code der Authenticator-App eingeben
reset-verify-text = Ihr Konto verwendet eine Authenticator-App. Öffnen Sie sie und geben Sie den 6-stelligen Code ein, den sie für { $service } anzeigt.
reset-verify-lost-phone = Telefon verloren? Bitten Sie Ihren Helpdesk, Ihren Authenticator zurückzusetzen.
reset-new-title = Neues Passwort wählen
reset-new-for = Sie wählen ein neues Passwort für <strong class="address">{ $email }</strong>.
reset-new-submit = Neues Passwort festlegen
reset-done-title = Ihr Passwort wurde geändert
reset-done-text = Sie können sich jetzt mit Ihrem neuen Passwort anmelden. Zu Ihrer Sicherheit wurden Sie überall sonst abgemeldet.
reset-done-none-title = Hier wurde kein Passwort geändert
reset-done-none-text = Diese Seite bestätigt ein Zurücksetzen, das gerade in diesem Browser abgeschlossen wurde, und es gibt keines. Es wurde nichts geändert.
reset-done-none-start = Um ein neues Passwort zu wählen, beginnen Sie mit Ihrer E-Mail-Adresse.
reset-invalid-used = Dieses Zurücksetzen wurde bereits verwendet. Wenn Sie Ihr Passwort gerade geändert haben, können Sie sich damit <a href="/signin">anmelden</a>.
reset-invalid-text = Links und Codes zum Zurücksetzen gelten einmal, für kurze Zeit, und nur der neueste gilt.
reset-invalid-ask = Neuen anfordern
reset-unavailable-title = Sie können Ihr Passwort hier nicht zurücksetzen
reset-unavailable-belongs = Konten mit der Endung @{ $domain } gehören zu { $tenant }.
reset-unavailable-helpdesk-can = Der Helpdesk Ihrer Organisation kann es für Sie zurücksetzen.
reset-unavailable-contact = Helpdesk von { $tenant } kontaktieren
reset-unavailable-ask = Bitten Sie den Helpdesk von { $tenant }, es für Sie zurückzusetzen.
reset-failed-title = Wir konnten Ihr Passwort gerade nicht ändern
reset-failed-text = Es wurde nichts geändert. Bitte versuchen Sie es in einigen Minuten erneut: Ihr Link gilt weiterhin.

## „Das war ich nicht“ (der Link in der Nachricht zum Zurücksetzen und in der Mitteilung über die Änderung)
notme-confirm-title = Das waren nicht Sie?
notme-confirm-intro = Wenn Sie kein Zurücksetzen des Passworts angefordert oder Ihr Passwort nicht geändert haben, bestätigen Sie es unten. Wir werden:
notme-confirm-sign-out = Ihr Konto überall abmelden,
notme-confirm-cancel = alle noch nicht verwendeten Links und Codes zum Zurücksetzen ungültig machen,
notme-confirm-tell = die Administratoren Ihrer Organisation informieren.
notme-confirm-nothing-yet = Ihr Passwort bleibt unverändert. Nichts geschieht, bevor Sie bestätigen.
notme-confirm-button = Ja, das war ich nicht
notme-done-title = Ihr Konto ist geschützt
notme-done-what = Sie wurden überall abgemeldet, alle Links und Codes zum Zurücksetzen wurden ungültig gemacht, und die Administratoren Ihrer Organisation wurden informiert.
notme-done-next = Falls jemand Ihr Passwort geändert hat, wählen Sie jetzt ein neues. Ändern Sie auch das Passwort Ihres E-Mail-Kontos: Wer dies getan hat, kann möglicherweise Ihre E-Mails lesen.
notme-reset-button = Passwort zurücksetzen
notme-invalid-title = Dieser Link ist ungültig oder wurde bereits verwendet
notme-invalid-text = Ein „Das war ich nicht“-Link funktioniert einmal und einige Tage lang. Wenn Sie ihn schon verwendet haben, wurde Ihr Konto damals geschützt.
