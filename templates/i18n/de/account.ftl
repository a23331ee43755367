# Gastseiten eines bekannten Kontos: Anmeldung, Kontoübersicht, Authenticator-App
# (templates/signin/, templates/account/) und die Sätze, die ihr Rust-Code erzeugt.
# Meldungen dürfen einfaches Markup enthalten (<strong>, <a>); Argumente werden in HTML maskiert.

## Anmeldung (signin/signin.html)
signin-title = Anmelden
signin-signed-out = Sie sind abgemeldet.
signin-intro = Melden Sie sich mit Ihrem Gastkonto an, um Ihr Konto zu sehen und eine Authenticator-App einzurichten.
password-label = Passwort
signin-submit = Anmelden
signin-forgot = Passwort vergessen? <a href="/reset">Hier zurücksetzen</a>.
# Jede fehlgeschlagene Anmeldung erhält diesen einen Satz (kein Hinweis, welche Angabe falsch war).
signin-failed = E-Mail-Adresse und Passwort passen nicht zusammen. Prüfen Sie beide und versuchen Sie es erneut.

## Jede Kontoseite (account/base.html)
account-nav-overview = Ihr Konto
account-nav-security = Sicherheit
account-sign-out = Abmelden
account-sign-out-note = Beim Abmelden endet Ihre Sitzung auf allen Geräten.

## Die Übersicht (account/overview.html)
account-title = Ihr Konto
account-email-confirmed = { $email } (bestätigt)
account-email-unconfirmed = { $email } (noch nicht bestätigt)
account-name = Name
account-organisation = Organisation
account-administration = Verwaltung
account-kind-consumer = Private E-Mail-Adresse, keiner Organisation zugehörig
account-kind-managed = Von den Administratoren Ihrer Organisation verwaltet
account-kind-unmanaged = Von keinem Administrator verwaltet
account-kind-unknown = Unbekannt
account-methods-heading = So können Sie Ihr Passwort zurücksetzen
account-method-email = Link und Code per E-Mail an { $email }
account-method-totp = Authenticator-App
account-no-totp = Es ist keine Authenticator-App eingerichtet. <a href="/account/security">Richten Sie eine ein</a>, um Ihr Konto zusätzlich zu schützen.
account-reset-allowed = Sie können Ihr Passwort jederzeit selbst zurücksetzen: Verwenden Sie <a href="/reset">Passwort vergessen?</a>
account-set-up-totp = Authenticator-App einrichten
account-note-unverified = Ihre E-Mail-Adresse ist noch nicht bestätigt. Fordern Sie das Zurücksetzen Ihres Passworts an; wir senden Ihnen dann zuerst einen Link per E-Mail, mit dem Sie sie bestätigen.
account-note-needs-totp = Ihre Organisation verlangt für das selbstständige Zurücksetzen eine Authenticator-App, und Sie haben noch keine eingerichtet.
account-note-unavailable = Das selbstständige Zurücksetzen ist für Ihr Konto derzeit nicht möglich. Bitte wenden Sie sich an den Helpdesk Ihrer Organisation.
account-manage-heading = Betreuen Sie die IT von { $domain }?
account-manage-intro = { $tenant } wird hier noch von niemandem verwaltet. Wenn Sie das DNS von { $domain } kontrollieren, können Sie Administrator werden. Bevor Sie das tun, sollten Sie wissen, was sich ändert:
account-manage-admin = Sie werden Administrator aller Gastkonten von { $domain } und erhalten eine eigene Verwaltungskonsole.
account-manage-plan = Ob diese Gäste – Sie eingeschlossen – ihr Passwort dann selbst zurücksetzen können, hängt vom Tarif der Organisation ab: Im kostenlosen Tarif ist das selbstständige Zurücksetzen für alle abgeschaltet, und bereits versandte Links funktionieren nicht mehr.
account-manage-link = { $domain } verwalten: So funktioniert es

## Die Authenticator-App (account/security.html)
account-security-title = Sicherheit
account-totp-heading = Authenticator-App
account-totp-on = Für Ihr Konto ist eine Authenticator-App eingerichtet. Beim Zurücksetzen des Passworts wird zusätzlich zum Link aus der E-Mail ein Code aus der App abgefragt.
account-totp-remove = Authenticator-App entfernen
account-totp-required = Ihre Organisation verlangt für das selbstständige Zurücksetzen eine Authenticator-App. Ohne sie muss Ihr Helpdesk Ihr Passwort zurücksetzen.
account-totp-remove-proof = Zur Bestätigung, dass Sie es sind, geben Sie Ihr aktuelles Passwort <strong>oder</strong> einen Code aus der App ein.
account-current-password = Aktuelles Passwort
account-remove-code-label = Oder ein 6-stelliger Code aus der App
account-totp-explain = Eine Authenticator-App (etwa Microsoft Authenticator, Google Authenticator oder jede andere TOTP-App) zeigt alle 30 Sekunden einen neuen 6-stelligen Code an. Ist eine eingerichtet, fragt das Zurücksetzen des Passworts auch diesen Code ab, sodass eine E-Mail allein nicht genügt, um Ihr Konto zu übernehmen.
account-totp-scan = Fügen Sie in der App ein Konto hinzu und scannen Sie diesen QR-Code:
account-totp-qr-alt = QR-Code, um { $service } zu Ihrer Authenticator-App hinzuzufügen
account-totp-on-phone = Sie lesen dies auf Ihrem Telefon?
account-totp-open-app = In Ihrer Authenticator-App öffnen
account-totp-cant-scan = Scannen nicht möglich? Geben Sie stattdessen diesen Schlüssel in der App ein:
account-totp-enter-code = { $minutes ->
    [one] Geben Sie innerhalb von { $minutes } Minute den 6-stelligen Code ein, den die App jetzt anzeigt.
   *[other] Geben Sie innerhalb von { $minutes } Minuten den 6-stelligen Code ein, den die App jetzt anzeigt.
}
account-totp-code-label = 6-stelliger Code aus der App
account-totp-submit = Authenticator-App einschalten

## Sätze aus dem Rust-Code der Kontoseiten (src/web/account.rs)
account-totp-enrolled = Ihre Authenticator-App ist eingerichtet. Beim Zurücksetzen des Passworts wird nun auch ein Code aus der App abgefragt.
account-totp-removed = Ihre Authenticator-App wurde aus Ihrem Konto entfernt.
account-setup-expired = Die Einrichtung hat zu lange gedauert und ist abgelaufen. Scannen Sie den neuen Code unten und geben Sie dann den Code ein, den Ihre App anzeigt.
account-setup-wrong-code = Dieser Code ist nicht richtig. Geben Sie den 6-stelligen Code ein, den Ihre App jetzt für { $service } anzeigt.
account-remove-wrong = Passwort oder Code sind nicht richtig. Geben Sie Ihr aktuelles Passwort oder einen Code aus Ihrer Authenticator-App ein.
