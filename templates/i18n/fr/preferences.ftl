# Les réglages propres à l'invité sur la page du compte (templates/account/language_form.html).

## La langue enregistrée
prefs-language-title = Langue
prefs-language-label = Langue de ces pages et de nos e-mails
prefs-language-hint = Nous l'utilisons tant que vous êtes connecté et dans chaque e-mail concernant votre compte. Les liens de langue en bas de page ne la changent que pour ce navigateur.
prefs-language-save = Enregistrer la langue
prefs-language-saved = Votre langue est enregistrée.
prefs-language-invalid = Choisissez l'une des langues de la liste.
