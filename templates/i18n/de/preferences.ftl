# Die eigenen Einstellungen des Gastes auf der Kontoseite (templates/account/language_form.html).

## Die gespeicherte Sprache
prefs-language-title = Sprache
prefs-language-label = Sprache dieser Seiten und unserer E-Mails an Sie
prefs-language-hint = Wir verwenden sie, solange Sie angemeldet sind, und in jeder E-Mail zu Ihrem Konto. Die Sprachlinks am Fuß der Seite ändern sie nur für diesen Browser.
prefs-language-save = Sprache speichern
prefs-language-saved = Ihre Sprache ist gespeichert.
prefs-language-invalid = Wählen Sie eine der Sprachen aus der Liste.
