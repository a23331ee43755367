# Gastseiten, die ein Konto entstehen lassen oder bestätigen: Registrierung, Einladungslinks,
# Übernahme einer Organisation, Bestätigung der E-Mail-Adresse (templates/signup/, invite/,
# takeover/, verify/) und die Sätze, die ihr Rust-Code erzeugt.
# Meldungen dürfen einfaches Markup enthalten (<strong>, <a>); Argumente werden in HTML maskiert.

## Registrierung (signup/request.html, signup/check_email.html)
signup-title = Konto erstellen
signup-intro = Geben Sie Ihre E-Mail-Adresse ein. Wir senden Ihnen einen Link, mit dem Sie Ihr Passwort wählen.
signup-submit = Link per E-Mail senden
signup-have-account = Sie haben bereits ein Konto? <a href="/signin">Anmelden</a>.
signup-sent = Wir haben eine Nachricht an die eingegebene Adresse gesendet. Öffnen Sie den darin enthaltenen Link, um fortzufahren.
signup-no-mail = Der Link funktioniert einmal und einen Tag lang. Nach einigen Minuten keine E-Mail? Sehen Sie im Spam-Ordner nach oder <a href="/signup">fordern Sie erneut an</a>.

## Das Passwort eines neuen Kontos wählen (invite/password.html)
invite-password-title = Ihr Konto erstellen
invite-password-for = Wählen Sie ein Passwort für <strong>{ $email }</strong>.
invite-password-for-named = Wählen Sie ein Passwort für <strong>{ $email }</strong> ({ $name }).
invite-belongs = Ihr Konto wird zu <strong>{ $organisation }</strong> gehören.
invite-personal = Dies ist eine private Adresse, das Konto gehört also nur Ihnen: Es ist keiner Organisation zugeordnet.
invite-via-cc = Diese Einladung wurde in Ihrem Namen an eine andere Adresse gesendet. Nachdem Sie das Konto erstellt haben, senden wir { $email } einen Link zur Bestätigung: Bis dahin können Sie Ihr Passwort nicht selbst zurücksetzen.
invite-password-submit = Mein Konto erstellen

## Das Konto wurde erstellt oder bestand bereits (invite/done.html)
invite-ready-title = Ihr Konto ist bereit
invite-created = Ihr Konto { $email } wurde erstellt.
invite-created-in = Ihr Konto { $email } bei { $organisation } wurde erstellt.
invite-confirm-pending = Noch ein Schritt: Wir haben an { $email } einen Link gesendet, mit dem Sie bestätigen, dass die Adresse Ihnen gehört. Bis Sie ihn öffnen, können Sie Ihr Passwort nicht selbst zurücksetzen.
invite-already-title = Sie haben bereits ein Konto
invite-already-text = Für diese E-Mail-Adresse besteht bereits ein Konto, daher wurde kein neues erstellt.

## Ein ungültiger, verwendeter oder abgelaufener Link (invite/invalid.html)
invite-invalid-signup = Registrierungslinks funktionieren einmal und einen Tag lang.
invite-invalid-invitation = Einladungslinks funktionieren einmal und 7 Tage lang. Bitten Sie die Person, die Sie eingeladen hat, eine neue Einladung zu senden.
invite-invalid-sign-in = Wenn Sie Ihr Konto bereits erstellt haben, <a href="/signin">melden Sie sich an</a>.
invite-invalid-sign-in-or-restart = Wenn Sie Ihr Konto bereits erstellt haben, <a href="/signin">melden Sie sich an</a> oder <a href="/signup">beginnen Sie erneut</a>.

## Ein Verzeichnis, in dem dieser Dienst keine Konten anlegen darf (invite/read_only.html)
invite-read-only-title = Konten werden von Ihrer Organisation erstellt
invite-read-only-signup = Die Konten dieses Dienstes liegen im Verzeichnis Ihrer Organisation, und dieser Dienst kann dort keine neuen anlegen. Sie können sich hier daher nicht registrieren. Es wurde nichts erstellt.
invite-read-only-invitation = Die Konten dieses Dienstes liegen im Verzeichnis Ihrer Organisation, und dieser Dienst kann dort keine neuen anlegen. Diese Einladung kann daher nicht verwendet werden. Es wurde nichts erstellt.
invite-read-only-ask = Bitten Sie Ihren Administrator oder Helpdesk, Ihr Konto anzulegen. Sobald es besteht, können Sie sich hier <a href="/signin">anmelden</a> und <a href="/reset">Ihr Passwort zurücksetzen</a>.

## Das Verzeichnis war nicht erreichbar (src/web/invite.rs, auf der Fehlerseite)
invite-unavailable-title = Wir konnten Ihr Konto gerade nicht erstellen
invite-unavailable-text = Es wurde nichts erstellt. Bitte versuchen Sie es in einigen Minuten erneut: Ihr Link gilt weiterhin.

## Eine Organisation übernehmen (takeover/index.html)
takeover-title = Ihre Organisation verwalten
takeover-heading = { $organisation } verwalten
takeover-ready = { $hours ->
    [one] Ihr Administratorkonto ist bereit. Öffnen Sie diesen einmaligen Link, um sein Passwort und seine Authenticator-App festzulegen. Er funktioniert einmal und { $hours } Stunde lang und wird nur jetzt angezeigt:
   *[other] Ihr Administratorkonto ist bereit. Öffnen Sie diesen einmaligen Link, um sein Passwort und seine Authenticator-App festzulegen. Er funktioniert einmal und { $hours } Stunden lang und wird nur jetzt angezeigt:
}
takeover-now-managed = { $organisation } wird jetzt verwaltet, im kostenlosen Tarif: Das selbstständige Zurücksetzen von Passwörtern ist für die Gäste abgeschaltet, bis auf den Premium-Tarif gewechselt wird. Offene Links zum Zurücksetzen der Gäste funktionieren nicht mehr.
takeover-intro = { $organisation } wird hier noch von niemandem verwaltet. Wenn Sie das DNS von <strong>{ $domain }</strong> kontrollieren, können Sie Administrator werden: Sie entscheiden dann, ob die Gäste ihr Passwort selbst zurücksetzen dürfen.
takeover-warning = Die Übernahme schaltet das selbstständige Zurücksetzen für alle Gäste von { $domain } ab, bis die Organisation in den Premium-Tarif wechselt.
takeover-publish-heading = 1. Diesen TXT-Eintrag veröffentlichen
takeover-record-name = Name
takeover-record-type = Typ
takeover-record-type-txt = TXT
takeover-record-value = Wert
takeover-valid-until = Dieser Wert gilt bis { $when }.
takeover-verify-heading = 2. Prüfen
takeover-verify-text = Sobald der Eintrag veröffentlicht ist (DNS-Änderungen können bis zu einer Stunde dauern), klicken Sie auf die Schaltfläche.
takeover-verify-submit = TXT-Eintrag prüfen
takeover-start-submit = Diese Organisation verwalten

## Warum ein Gast nicht übernehmen kann, und was eine Prüfung ergab (src/onboarding/takeover.rs)
takeover-ineligible-unverified = Bestätigen Sie zuerst Ihre E-Mail-Adresse: Nur eine bestätigte Adresse kann ihre Organisation übernehmen.
takeover-ineligible-consumer = Adressen bei privaten E-Mail-Anbietern gehören zu keiner Organisation, es gibt also nichts zu übernehmen.
takeover-ineligible-already-managed = Ihre Organisation hat bereits Administratoren. Bitten Sie diese um Hilfe.
takeover-ineligible-no-domain = Das Verzeichnis Ihrer Organisation enthält Ihre E-Mail-Domain nicht, daher kann sie von diesem Konto aus nicht übernommen werden.
takeover-verified = Erledigt: Sie verwalten jetzt { $organisation }.
takeover-no-challenge = Fordern Sie zuerst unten einen TXT-Eintrag an.
takeover-expired = Der Wert dieses TXT-Eintrags ist abgelaufen. Fordern Sie unten einen neuen an und veröffentlichen Sie stattdessen diesen.
takeover-record-missing = Der TXT-Eintrag wurde bei Ihrer Domain nicht gefunden. Prüfen Sie, ob sein Wert genau wie angezeigt lautet, warten Sie, bis das DNS aktualisiert ist (das kann bis zu einer Stunde dauern), und versuchen Sie es erneut.
takeover-domain-not-found = Ihre Domain existiert im DNS nicht, daher kann der TXT-Eintrag nicht gefunden werden.
takeover-dns-unavailable = Das DNS hat gerade nicht geantwortet. Es wurde nichts geändert; versuchen Sie es in einigen Minuten erneut.
takeover-too-many = { $n ->
    [one] Zu viele Prüfversuche. Versuchen Sie es in { $n } Minute erneut.
   *[other] Zu viele Prüfversuche. Versuchen Sie es in { $n } Minuten erneut.
}
takeover-admin-exists = Ein Administratorkonto mit Ihrer E-Mail-Adresse besteht bereits. Bitten Sie die Betreiber von { $service } um Hilfe.

## Eine E-Mail-Adresse bestätigen (verify/confirm.html, verify/done.html, verify/invalid.html)
verify-title = E-Mail-Adresse bestätigen
verify-intro = Klicken Sie auf die Schaltfläche, um zu bestätigen, dass diese E-Mail-Adresse Ihnen gehört. Danach können Sie Ihr Passwort selbst zurücksetzen.
verify-submit = Meine E-Mail-Adresse bestätigen
verify-copy-intro = Dieses Konto für <strong>{ $email }</strong> wurde über eine Kopie Ihrer Einladung erstellt, die in Ihrem Namen an eine andere Adresse gesendet wurde.
verify-copy-notice = Um zu bestätigen, dass die Adresse Ihnen gehört, wählen Sie jetzt Ihr eigenes Passwort. Das mit der Kopie gewählte Passwort funktioniert dann nicht mehr, ein damit eingerichteter Authenticator wird entfernt, und alle, die in diesem Konto angemeldet sind, werden abgemeldet.
verify-copy-submit = Bestätigen und mein Passwort festlegen
verify-done-title = Ihre E-Mail-Adresse ist bestätigt
verify-done-password = Vielen Dank. Ihr neues Passwort ist festgelegt, und alle früheren Sitzungen wurden beendet. Melden Sie sich mit Ihrem neuen Passwort an; von nun an können Sie es jederzeit selbst zurücksetzen.
verify-done-text = Vielen Dank. Sie können Ihr Passwort jetzt jederzeit selbst zurücksetzen.
verify-done-reset = Mein Passwort zurücksetzen
verify-invalid-text = Bestätigungslinks funktionieren einmal und 24 Stunden lang. Wenn Sie Ihre Adresse bereits bestätigt haben, ist nichts weiter zu tun.
verify-invalid-new = Für einen neuen Link fordern Sie mit Ihrer E-Mail-Adresse das Zurücksetzen Ihres Passworts an: Muss Ihre Adresse noch bestätigt werden, senden wir Ihnen einen neuen Link.
verify-invalid-ask = Neuen Link anfordern
