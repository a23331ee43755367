# Phrases produites en Rust pour les invités : erreurs de formulaire, refus de la politique et
# de l’annuaire (src/i18n/messages.rs).

## Une adresse saisie dans un formulaire
email-error-empty = Saisissez votre adresse e-mail.
email-error-malformed = Saisissez une adresse e-mail comme nom@example.com.
email-error-multiple-at = Saisissez une seule adresse e-mail : elle ne peut contenir qu’un seul @.
email-error-list = Saisissez une seule adresse e-mail, sans virgule ni point-virgule.
email-error-whitespace = Une adresse e-mail ne peut contenir ni espaces, ni sauts de ligne, ni caractères invisibles.
email-error-quoted = Les parties locales entre guillemets comme "a b"@x.y ne sont pas prises en charge.
email-error-empty-local = La partie avant le @ est manquante.
email-error-local-too-long = La partie avant le @ est trop longue (64 caractères au maximum).
email-error-local-dots = La partie avant le @ ne peut ni commencer ni finir par un point, ni contenir deux points de suite.
email-error-local-character = La partie avant le @ contient un caractère qui n’est pas autorisé dans les adresses e-mail.
email-error-empty-domain = Le domaine après le @ est manquant.
email-error-ip-literal = Les adresses sur une adresse IP ne sont pas prises en charge ; utilisez une adresse avec un nom de domaine.
email-error-domain-without-dot = Le domaine après le @ doit contenir un point, comme example.com.
email-error-domain-too-long = Le domaine après le @ est trop long.
email-error-invalid-domain = Le domaine après le @ n’est pas un nom de domaine valide.
email-error-too-long = L’adresse e-mail est trop longue (254 caractères au maximum).

## Un nouveau mot de passe
password-too-short = Utilisez au moins { $min } caractères.
password-too-long = Utilisez au plus { $max } caractères.
password-mismatch = Les deux mots de passe ne correspondent pas.
password-common = Ce mot de passe est trop courant : choisissez-en un autre.
password-contains-context = N’utilisez ni le nom de votre adresse e-mail ni le nom de votre organisation dans le mot de passe.
password-banned-word = Ce mot de passe contient un mot que votre organisation n’autorise pas ; choisissez-en un autre.
password-breached = { $count ->
    [one] Ce mot de passe est apparu une fois dans une fuite de données ; choisissez-en un autre.
   *[other] Ce mot de passe est apparu { $count } fois dans des fuites de données ; choisissez-en un autre.
}
password-breach-check-unavailable = Nous ne pouvons pas vérifier ce mot de passe auprès des fuites de données connues pour le moment ; réessayez sous peu.
password-too-guessable = Ce mot de passe est trop facile à deviner : essayez une phrase plus longue de mots sans rapport entre eux.
password-same-as-current = Choisissez un mot de passe différent de votre mot de passe actuel.

## L’annuaire de l’organisation a refusé un mot de passe
directory-too-short = L’annuaire de votre organisation exige un mot de passe plus long. Choisissez-en un plus long.
directory-in-history = Vous avez déjà utilisé ce mot de passe. Choisissez-en un que vous n’avez pas utilisé récemment.
directory-quality = Les règles de mot de passe de votre organisation ont refusé ce mot de passe (longueur, complexité ou réutilisation). Choisissez un mot de passe différent et plus long.
directory-too-young = Ce mot de passe a été modifié trop récemment. Réessayez plus tard.
directory-other = L’annuaire de votre organisation a refusé ce mot de passe. Choisissez-en un autre.

## Pourquoi une réinitialisation n’est pas possible
deny-tenant-not-licensed = Votre organisation gère votre compte et n’a pas activé la réinitialisation de mot de passe en libre-service.
deny-sspr-disabled = Votre organisation gère votre compte et a désactivé la réinitialisation de mot de passe en libre-service.
deny-unknown-account = Il n’existe aucun compte invité avec cette adresse e-mail.
deny-account-disabled = Ce compte invité a été désactivé. Veuillez contacter la personne qui vous a invité.
deny-account-locked = Votre compte est temporairement verrouillé après trop de tentatives de réinitialisation infructueuses. Vous pourrez réessayer après { $until } UTC.
deny-email-undeliverable = Nous ne pouvons pas remettre d’e-mails à cette adresse, et ne pouvons donc pas y envoyer de lien de réinitialisation.
deny-email-unverified = Votre adresse e-mail n’a pas encore été confirmée, nous ne pouvons donc pas y envoyer de lien de réinitialisation. Confirmez votre adresse avec le lien de ce message, puis redemandez une réinitialisation.
deny-methods-not-registered = Votre organisation exige une seconde méthode de vérification (une application d’authentification) pour réinitialiser votre mot de passe, et aucune n’est configurée pour votre compte. Veuillez demander à l’assistance de votre organisation de vous aider à en enregistrer une.

## Codes saisis pendant la réinitialisation
code-wrong = Ce code n’est pas correct. Vérifiez l’e-mail et réessayez.
tries-left = { $n ->
    [one] Il vous reste { $n } essai.
   *[other] Il vous reste { $n } essais.
}
totp-wrong = Ce code n’est pas correct. Saisissez le code à 6 chiffres que votre application d’authentification affiche maintenant.
