# In Rust erzeugte Sätze für Gäste: Formularfehler, Ablehnungen der Richtlinie und des
# Verzeichnisses (src/i18n/messages.rs).

## Eine in ein Formular eingegebene Adresse
email-error-empty = Geben Sie Ihre E-Mail-Adresse ein.
email-error-malformed = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
email-error-multiple-at = Geben Sie eine einzelne E-Mail-Adresse ein: Sie darf nur ein @ enthalten.
email-error-list = Geben Sie nur eine E-Mail-Adresse ein, ohne Kommas oder Semikolons.
email-error-whitespace = Eine E-Mail-Adresse darf keine Leerzeichen, Zeilenumbrüche oder unsichtbaren Zeichen enthalten.
email-error-quoted = Lokale Teile in Anführungszeichen wie "a b"@x.y werden nicht unterstützt.
email-error-empty-local = Der Teil vor dem @ fehlt.
email-error-local-too-long = Der Teil vor dem @ ist zu lang (höchstens 64 Zeichen).
email-error-local-dots = Der Teil vor dem @ darf nicht mit einem Punkt beginnen oder enden und keine zwei Punkte hintereinander enthalten.
email-error-local-character = Der Teil vor dem @ enthält ein Zeichen, das in E-Mail-Adressen nicht erlaubt ist.
email-error-empty-domain = Die Domain nach dem @ fehlt.
email-error-ip-literal = Adressen an einer IP-Adresse werden nicht unterstützt; verwenden Sie eine Adresse mit einem Domainnamen.
email-error-domain-without-dot = Die Domain nach dem @ muss einen Punkt enthalten, wie example.com.
email-error-domain-too-long = Die Domain nach dem @ ist zu lang.
email-error-invalid-domain = Die Domain nach dem @ ist kein gültiger Domainname.
email-error-too-long = Die E-Mail-Adresse ist zu lang (höchstens 254 Zeichen).

## Ein neues Passwort
password-too-short = Verwenden Sie mindestens { $min } Zeichen.
password-too-long = Verwenden Sie höchstens { $max } Zeichen.
password-mismatch = Die beiden Passwörter stimmen nicht überein.
password-common = Dieses Passwort ist zu gebräuchlich – wählen Sie ein anderes.
password-contains-context = Verwenden Sie weder Ihren E-Mail-Namen noch den Namen Ihrer Organisation im Passwort.
password-banned-word = Dieses Passwort enthält ein Wort, das Ihre Organisation nicht erlaubt; wählen Sie ein anderes.
password-breached = { $count ->
    [one] Dieses Passwort ist einmal in einem Datenleck aufgetaucht; wählen Sie ein anderes.
   *[other] Dieses Passwort ist { $count }-mal in Datenlecks aufgetaucht; wählen Sie ein anderes.
}
password-breach-check-unavailable = Wir können dieses Passwort gerade nicht mit bekannten Datenlecks abgleichen; versuchen Sie es in Kürze erneut.
password-too-guessable = Dieses Passwort ist zu leicht zu erraten – versuchen Sie einen längeren Satz aus voneinander unabhängigen Wörtern.
password-same-as-current = Wählen Sie ein anderes Passwort als Ihr aktuelles.

## Das Verzeichnis der Organisation hat ein Passwort abgelehnt
directory-too-short = Das Verzeichnis Ihrer Organisation verlangt ein längeres Passwort. Wählen Sie ein längeres.
directory-in-history = Sie haben dieses Passwort schon einmal verwendet. Wählen Sie eines, das Sie in letzter Zeit nicht verwendet haben.
directory-quality = Die Passwortregeln Ihrer Organisation haben dieses Passwort abgelehnt (Länge, Komplexität oder Wiederverwendung). Wählen Sie ein anderes, längeres Passwort.
directory-too-young = Dieses Passwort wurde erst vor Kurzem geändert. Versuchen Sie es später erneut.
directory-other = Das Verzeichnis Ihrer Organisation hat dieses Passwort abgelehnt. Wählen Sie ein anderes.

## Warum ein Zurücksetzen nicht möglich ist
deny-tenant-not-licensed = Ihre Organisation verwaltet Ihr Konto und hat das Zurücksetzen von Passwörtern durch die Benutzer nicht aktiviert.
deny-sspr-disabled = Ihre Organisation verwaltet Ihr Konto und hat das Zurücksetzen von Passwörtern durch die Benutzer ausgeschaltet.
deny-unknown-account = Es gibt kein Gastkonto mit dieser E-Mail-Adresse.
deny-account-disabled = Dieses Gastkonto wurde deaktiviert. Bitte wenden Sie sich an die Person, die Sie eingeladen hat.
deny-account-locked = Ihr Konto ist nach zu vielen erfolglosen Versuchen vorübergehend gesperrt. Sie können es nach { $until } UTC erneut versuchen.
deny-email-undeliverable = Wir können keine E-Mails an diese Adresse zustellen und daher keinen Link zum Zurücksetzen senden.
deny-email-unverified = Ihre E-Mail-Adresse ist noch nicht bestätigt, daher können wir keinen Link zum Zurücksetzen senden. Bestätigen Sie Ihre Adresse mit dem Link in dieser Nachricht und fordern Sie dann erneut ein Zurücksetzen an.
deny-methods-not-registered = Ihre Organisation verlangt zum Zurücksetzen des Passworts eine zweite Bestätigungsmethode (eine Authenticator-App), und für Ihr Konto ist keine eingerichtet. Bitten Sie den Helpdesk Ihrer Organisation, Ihnen bei der Einrichtung zu helfen.

## Im Ablauf eingegebene Codes
code-wrong = Dieser Code ist nicht richtig. Prüfen Sie die E-Mail und versuchen Sie es erneut.
tries-left = { $n ->
    [one] Sie haben noch { $n } Versuch.
   *[other] Sie haben noch { $n } Versuche.
}
totp-wrong = Dieser Code ist nicht richtig. Geben Sie den 6-stelligen Code ein, den Ihre Authenticator-App gerade anzeigt.
