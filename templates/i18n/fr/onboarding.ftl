# Pages qui créent ou confirment un compte : inscription, liens d’invitation, prise en charge
# d’une organisation, confirmation de l’adresse e-mail (templates/signup/, invite/, takeover/,
# verify/), et les phrases que produit leur code Rust.
# Les messages peuvent contenir un balisage simple (<strong>, <a>) ; les arguments sont échappés en HTML.

## Inscription (signup/request.html, signup/check_email.html)
signup-title = Créer un compte
signup-intro = Saisissez votre adresse e-mail. Nous vous enverrons un lien pour choisir votre mot de passe.
signup-submit = M’envoyer un lien
signup-have-account = Vous avez déjà un compte ? <a href="/signin">Connectez-vous</a>.
signup-sent = Nous avons envoyé un message à l’adresse saisie. Ouvrez le lien qu’il contient pour continuer.
signup-no-mail = Le lien fonctionne une seule fois, pendant un jour. Pas d’e-mail après quelques minutes ? Vérifiez votre dossier de courrier indésirable, ou <a href="/signup">faites une nouvelle demande</a>.

## Choisir le mot de passe d’un nouveau compte (invite/password.html)
invite-password-title = Créer votre compte
invite-password-for = Choisissez un mot de passe pour <strong>{ $email }</strong>.
invite-password-for-named = Choisissez un mot de passe pour <strong>{ $email }</strong> ({ $name }).
invite-belongs = Votre compte appartiendra à <strong>{ $organisation }</strong>.
invite-personal = Il s’agit d’une adresse personnelle : le compte n’appartient qu’à vous et n’est rattaché à aucune organisation.
invite-via-cc = Cette invitation a été envoyée à une autre adresse en votre nom. Une fois le compte créé, nous enverrons à { $email } un lien pour la confirmer : d’ici là, vous ne pourrez pas réinitialiser vous-même votre mot de passe.
invite-password-submit = Créer mon compte

## Le compte a été créé, ou existait déjà (invite/done.html)
invite-ready-title = Votre compte est prêt
invite-created = Votre compte { $email } a été créé.
invite-created-in = Votre compte { $email } chez { $organisation } a été créé.
invite-confirm-pending = Encore une étape : nous avons envoyé à { $email } un lien pour confirmer que cette adresse est bien la vôtre. Tant que vous ne l’avez pas ouvert, vous ne pouvez pas réinitialiser vous-même votre mot de passe.
invite-already-title = Vous avez déjà un compte
invite-already-text = Un compte existe déjà pour cette adresse e-mail ; aucun nouveau compte n’a donc été créé.

## Un lien invalide, déjà utilisé ou expiré (invite/invalid.html)
invite-invalid-signup = Les liens d’inscription fonctionnent une seule fois, pendant un jour.
invite-invalid-invitation = Les liens d’invitation fonctionnent une seule fois, pendant 7 jours. Demandez à la personne qui vous a invité·e de vous envoyer une nouvelle invitation.
invite-invalid-sign-in = Si vous avez déjà créé votre compte, <a href="/signin">connectez-vous</a>.
invite-invalid-sign-in-or-restart = Si vous avez déjà créé votre compte, <a href="/signin">connectez-vous</a>, ou <a href="/signup">recommencez</a>.

## Un annuaire dans lequel ce service ne peut pas créer de comptes (invite/read_only.html)
invite-read-only-title = Les comptes sont créés par votre organisation
invite-read-only-signup = Les comptes de ce service se trouvent dans l’annuaire de votre organisation, et ce service ne peut pas en créer de nouveaux : vous ne pouvez donc pas vous inscrire ici. Rien n’a été créé.
invite-read-only-invitation = Les comptes de ce service se trouvent dans l’annuaire de votre organisation, et ce service ne peut pas en créer de nouveaux : cette invitation ne peut donc pas être utilisée. Rien n’a été créé.
invite-read-only-ask = Demandez à votre administrateur ou à votre assistance de créer votre compte. Une fois qu’il existe, vous pouvez vous <a href="/signin">connecter</a> et <a href="/reset">réinitialiser votre mot de passe</a> ici.

## L’annuaire était injoignable (src/web/invite.rs, sur la page d’erreur)
invite-unavailable-title = Nous n’avons pas pu créer votre compte pour le moment
invite-unavailable-text = Rien n’a été créé. Veuillez réessayer dans quelques minutes : votre lien fonctionne toujours.

## Prendre en charge une organisation (takeover/index.html)
takeover-title = Gérer votre organisation
takeover-heading = Gérer { $organisation }
takeover-ready = { $hours ->
    [one] Votre compte administrateur est prêt. Ouvrez ce lien à usage unique pour définir son mot de passe et son application d’authentification. Il fonctionne une seule fois, pendant { $hours } heure, et n’est affiché que maintenant :
   *[other] Votre compte administrateur est prêt. Ouvrez ce lien à usage unique pour définir son mot de passe et son application d’authentification. Il fonctionne une seule fois, pendant { $hours } heures, et n’est affiché que maintenant :
}
takeover-now-managed = L’organisation { $organisation } est désormais gérée, avec l’offre gratuite : la réinitialisation des mots de passe en libre-service est désactivée pour ses invités jusqu’au passage à l’offre premium. Les liens de réinitialisation en cours de ses invités ne fonctionnent plus.
takeover-intro = Personne n’administre encore { $organisation } ici. Si vous contrôlez le DNS de <strong>{ $domain }</strong>, vous pouvez en devenir l’administrateur : vous déciderez alors si ses invités peuvent réinitialiser eux-mêmes leur mot de passe.
takeover-warning = La prise en charge désactive la réinitialisation en libre-service pour tous les invités de { $domain } jusqu’à ce que l’organisation passe à l’offre premium.
takeover-publish-heading = 1. Publiez cet enregistrement TXT
takeover-record-name = Nom
takeover-record-type = Type
takeover-record-type-txt = TXT
takeover-record-value = Valeur
takeover-valid-until = Cette valeur est valable jusqu’à { $when }.
takeover-verify-heading = 2. Vérifiez
takeover-verify-text = Une fois l’enregistrement publié (les modifications DNS peuvent prendre jusqu’à une heure), cliquez sur le bouton.
takeover-verify-submit = Vérifier l’enregistrement TXT
takeover-start-submit = Gérer cette organisation

## Pourquoi un invité ne peut pas prendre en charge, et le résultat d’une vérification (src/onboarding/takeover.rs)
takeover-ineligible-unverified = Confirmez d’abord votre adresse e-mail : seule une adresse confirmée peut prendre en charge son organisation.
takeover-ineligible-consumer = Les adresses des fournisseurs de messagerie personnelle n’appartiennent à aucune organisation : il n’y a donc rien à prendre en charge.
takeover-ineligible-already-managed = Votre organisation a déjà des administrateurs. Demandez-leur de l’aide.
takeover-ineligible-no-domain = L’annuaire de votre organisation ne comprend pas votre domaine de messagerie : elle ne peut donc pas être prise en charge depuis ce compte.
takeover-verified = C’est fait : vous gérez désormais { $organisation }.
takeover-no-challenge = Commencez par demander un enregistrement TXT ci-dessous.
takeover-expired = La valeur de cet enregistrement TXT a expiré. Demandez-en une nouvelle ci-dessous et publiez-la à la place.
takeover-record-missing = L’enregistrement TXT est introuvable sur votre domaine. Vérifiez que sa valeur est exactement celle affichée, attendez la mise à jour du DNS (cela peut prendre jusqu’à une heure), puis réessayez.
takeover-domain-not-found = Votre domaine n’existe pas dans le DNS : l’enregistrement TXT est donc introuvable.
takeover-dns-unavailable = Le DNS n’a pas répondu à l’instant. Rien n’a été modifié ; réessayez dans quelques minutes.
takeover-too-many = { $n ->
    [one] Trop de tentatives de vérification. Réessayez dans { $n } minute.
   *[other] Trop de tentatives de vérification. Réessayez dans { $n } minutes.
}
takeover-admin-exists = Un compte administrateur existe déjà avec votre adresse e-mail. Demandez de l’aide aux exploitants de { $service }.

## Confirmer une adresse e-mail (verify/confirm.html, verify/done.html, verify/invalid.html)
verify-title = Confirmez votre adresse e-mail
verify-intro = Cliquez sur le bouton pour confirmer que cette adresse e-mail est bien la vôtre. Vous pourrez ensuite réinitialiser vous-même votre mot de passe.
verify-submit = Confirmer mon adresse e-mail
verify-copy-intro = Ce compte pour <strong>{ $email }</strong> a été créé à partir d’une copie de votre invitation envoyée à une autre adresse en votre nom.
verify-copy-notice = Pour confirmer que cette adresse est bien la vôtre, choisissez dès maintenant votre propre mot de passe. Le mot de passe choisi avec la copie cesse de fonctionner, toute application d’authentification configurée avec lui est supprimée, et toutes les personnes connectées à ce compte sont déconnectées.
verify-copy-submit = Confirmer et définir mon mot de passe
verify-done-title = Votre adresse e-mail est confirmée
verify-done-password = Merci. Votre nouveau mot de passe est défini et toutes les sessions précédentes ont pris fin. Connectez-vous avec votre nouveau mot de passe ; vous pourrez désormais le réinitialiser vous-même chaque fois que nécessaire.
verify-done-text = Merci. Vous pouvez désormais réinitialiser vous-même votre mot de passe chaque fois que nécessaire.
verify-done-reset = Réinitialiser mon mot de passe
verify-invalid-text = Les liens de confirmation fonctionnent une seule fois, pendant 24 heures. Si vous avez déjà confirmé votre adresse, vous n’avez rien d’autre à faire.
verify-invalid-new = Pour obtenir un nouveau lien, demandez une réinitialisation du mot de passe avec votre adresse e-mail : si votre adresse doit encore être confirmée, nous vous enverrons un nouveau lien.
verify-invalid-ask = Demander un nouveau lien
