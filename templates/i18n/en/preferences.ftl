# The guest's own settings on the account page (templates/account/language_form.html).

## The stored language
prefs-language-title = Language
prefs-language-label = Language of these pages and of our emails to you
prefs-language-hint = We use it whenever you are signed in and in every email about your account. The language links at the foot of the page change it for this browser only.
prefs-language-save = Save language
prefs-language-saved = Your language is saved.
prefs-language-invalid = Choose one of the languages in the list.
