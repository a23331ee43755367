# Pages pour les invités : la mise en page, l’accueil, les pages d’erreur et la réinitialisation.
# Les messages peuvent contenir un balisage simple (<strong>, <a>) ; les arguments sont échappés en HTML.

## La mise en page (base.html)
base-skip-link = Aller au contenu
base-nav-label = Menu principal
base-nav-forgot = Mot de passe oublié ?
base-nav-signin = Se connecter
base-languages-label = Langue

## Mots employés sur plusieurs pages
continue = Continuer
email-label = Adresse e-mail
error-prefix = Erreur :{" "}
error-summary = Un problème est survenu
link-invalid-title = Ce lien n’est pas valide ou a expiré
reset-your-password = Réinitialiser votre mot de passe
password-advice = Utilisez au moins { $min } caractères. Quelques mots sans rapport entre eux donnent un mot de passe solide et facile à retenir. Les espaces et tous les caractères sont acceptés.
password-new-label = Nouveau mot de passe
password-again-label = Saisissez-le à nouveau
password-type-again = Pour votre sécurité, les mots de passe saisis ne sont pas réaffichés : saisissez-les tous les deux une nouvelle fois.
password-show = Afficher les mots de passe
totp-code-label = Code à 6 chiffres

## L’accueil
index-title = Bienvenue
index-lead = Ce service permet aux utilisateurs invités des organisations partenaires de réinitialiser eux-mêmes leur mot de passe.
index-signin = Vous connaissez votre mot de passe ? <a href="/signin">Connectez-vous</a> pour consulter votre compte et configurer une application d’authentification.
index-admins-heading = Administrateurs
index-admins = Les équipes d’assistance et de sécurité consultent le journal des réinitialisations et gèrent les locataires dans la <a href="/admin/login">console d’administration</a>.

## Pages d’erreur
error-status = Erreur { $status }
error-home = Aller à la page d’accueil
error-400-title = Quelque chose n’allait pas dans la demande
error-400-text = Veuillez revenir en arrière et réessayer.
error-403-title = Ce formulaire a expiré
error-403-text = Pour votre sécurité, le formulaire n’a pas pu être accepté. Revenez en arrière, rechargez la page et réessayez.
error-404-title = Page introuvable
error-404-text = Il n’y a rien à cette adresse.
error-405-title = Action non autorisée
error-405-text = Cette page ne peut pas être utilisée de cette façon.
error-413-title = Trop de données
error-413-text = Le formulaire a envoyé plus de données que cette page n’en accepte.
error-429-title = Trop de tentatives
error-429-text = Veuillez patienter un instant puis réessayer.
error-429-wait-minutes = Veuillez patienter environ { $n } minutes puis réessayer.
error-429-wait-seconds = { $n ->
    [one] Veuillez patienter { $n } seconde puis réessayer.
   *[other] Veuillez patienter { $n } secondes puis réessayer.
}
error-503-title = Temporairement indisponible
error-503-text = Le service ne peut pas répondre pour le moment. Rien n’a été modifié ; veuillez réessayer dans une minute.
error-500-title = Une erreur s’est produite
error-500-text = Rien n’a été modifié. Veuillez réessayer plus tard.

## La réinitialisation
reset-request-text = Saisissez l’adresse e-mail que vous utilisez pour vous connecter. Si vous pouvez réinitialiser votre mot de passe, nous vous enverrons un lien et un code par e-mail.
reset-request-submit = M’envoyer un lien de réinitialisation
check-email-title = Consultez vos e-mails
check-email-sent-to = Nous avons envoyé un message à <strong class="address">{ $email }</strong> si cette adresse peut réinitialiser son mot de passe ici. Il contient un lien et un code.
check-email-not-yours = Ce n’est pas votre adresse ? <a href="/reset">Recommencez</a> avec la bonne.
check-email-on-its-way = Si vous pouvez réinitialiser votre mot de passe ici, un e-mail contenant un lien et un code est en route.
check-email-lifetime = Le lien et le code sont valables { $minutes } minutes. Ouvrez le lien sur n’importe quel appareil, ou saisissez le code ci-dessous dans ce navigateur.
check-email-code-label = Code reçu par e-mail
check-email-code-hint = 8 lettres et chiffres, par exemple ABCD-EFGH
check-email-no-mail = Pas d’e-mail après quelques minutes ? Vérifiez votre dossier de courrier indésirable, ou <a href="/reset">faites une nouvelle demande</a>. Si votre organisation gère votre compte, son assistance peut aussi vous aider.
reset-verify-title = Saisissez le code de votre application d’authentification
reset-verify-text = Votre compte utilise une application d’authentification. Ouvrez-la et saisissez le code à 6 chiffres qu’elle affiche pour { $service }.
reset-verify-lost-phone = Vous avez perdu votre téléphone ? Demandez à votre assistance de réinitialiser votre authentification.
reset-new-title = Choisissez un nouveau mot de passe
reset-new-for = Vous choisissez un nouveau mot de passe pour <strong class="address">{ $email }</strong>.
reset-new-submit = Définir le nouveau mot de passe
reset-done-title = Votre mot de passe a été modifié
reset-done-text = Vous pouvez maintenant vous connecter avec votre nouveau mot de passe. Pour votre sécurité, vous avez été déconnecté partout ailleurs.
reset-done-none-title = Aucun mot de passe n’a été modifié ici
reset-done-none-text = Cette page confirme une réinitialisation qui vient d’être terminée dans ce navigateur, et il n’y en a aucune. Rien n’a été modifié.
reset-done-none-start = Pour choisir un nouveau mot de passe, commencez par votre adresse e-mail.
reset-invalid-used = Cette réinitialisation a déjà été utilisée. Si vous venez de changer votre mot de passe, vous pouvez vous <a href="/signin">connecter</a> avec.
reset-invalid-text = Les liens et codes de réinitialisation ne servent qu’une fois, pendant peu de temps, et seul le plus récent fonctionne.
reset-invalid-ask = En demander un nouveau
reset-unavailable-title = Vous ne pouvez pas réinitialiser votre mot de passe ici
reset-unavailable-belongs = Les comptes se terminant par @{ $domain } appartiennent à { $tenant }.
reset-unavailable-helpdesk-can = L’assistance de votre organisation peut le réinitialiser pour vous.
reset-unavailable-contact = Contacter l’assistance de { $tenant }
reset-unavailable-ask = Veuillez demander à l’assistance de { $tenant } de le réinitialiser pour vous.
reset-failed-title = Nous n’avons pas pu modifier votre mot de passe pour le moment
reset-failed-text = Rien n’a été modifié. Veuillez réessayer dans quelques minutes : votre lien reste valable.

## « Ce n’était pas moi » (le lien du message de réinitialisation et de l’avis de changement)
notme-confirm-title = Ce n’était pas vous ?
notme-confirm-intro = Si vous n’avez pas demandé de réinitialisation ni changé votre mot de passe, confirmez ci-dessous. Nous allons :
notme-confirm-sign-out = déconnecter votre compte partout,
notme-confirm-cancel = annuler tous les liens et codes de réinitialisation non encore utilisés,
notme-confirm-tell = prévenir les administrateurs de votre organisation.
notme-confirm-nothing-yet = Votre mot de passe reste inchangé. Rien ne se passe tant que vous n’avez pas confirmé.
notme-confirm-button = Oui, ce n’était pas moi
notme-done-title = Votre compte est protégé
notme-done-what = Vous avez été déconnecté·e partout, tous les liens et codes de réinitialisation ont été annulés et les administrateurs de votre organisation ont été prévenus.
notme-done-next = Si quelqu’un a changé votre mot de passe, choisissez-en un nouveau maintenant. Changez aussi le mot de passe de votre compte de messagerie : l’auteur peut peut-être lire vos e-mails.
notme-reset-button = Réinitialiser votre mot de passe
notme-invalid-title = Ce lien n’est pas valide ou a déjà été utilisé
notme-invalid-text = Un lien « Ce n’était pas moi » ne fonctionne qu’une fois, pendant quelques jours. Si vous l’avez déjà utilisé, votre compte a été protégé à ce moment-là.
