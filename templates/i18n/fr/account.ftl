# Pages d’un compte connu : connexion, vue d’ensemble du compte, application d’authentification
# (templates/signin/, templates/account/), et les phrases que produit leur code Rust.
# Les messages peuvent contenir un balisage simple (<strong>, <a>) ; les arguments sont échappés en HTML.

## Connexion (signin/signin.html)
signin-title = Se connecter
signin-signed-out = Vous êtes déconnecté·e.
signin-intro = Connectez-vous avec votre compte invité pour consulter votre compte et configurer une application d’authentification.
password-label = Mot de passe
signin-submit = Se connecter
signin-forgot = Mot de passe oublié ? <a href="/reset">Réinitialisez-le ici</a>.
# Toute connexion qui échoue reçoit cette seule phrase (sans dire lequel des deux était faux).
signin-failed = L’adresse e-mail et le mot de passe ne correspondent pas. Vérifiez-les et réessayez.

## Toutes les pages du compte (account/base.html)
account-nav-overview = Votre compte
account-nav-security = Sécurité
account-sign-out = Se déconnecter
account-sign-out-note = La déconnexion met fin à votre session sur tous vos appareils.

## La vue d’ensemble (account/overview.html)
account-title = Votre compte
account-email-confirmed = { $email } (confirmée)
account-email-unconfirmed = { $email } (pas encore confirmée)
account-name = Nom
account-organisation = Organisation
account-administration = Administration
account-kind-consumer = Adresse e-mail personnelle, sans organisation
account-kind-managed = Gérée par les administrateurs de votre organisation
account-kind-unmanaged = Gérée par aucun administrateur
account-kind-unknown = Inconnue
account-methods-heading = Comment réinitialiser votre mot de passe
account-method-email = Lien et code envoyés par e-mail à { $email }
account-method-totp = Application d’authentification
account-no-totp = Aucune application d’authentification n’est configurée. <a href="/account/security">Configurez-en une</a> pour mieux protéger votre compte.
account-reset-allowed = Vous pouvez réinitialiser vous-même votre mot de passe à tout moment : utilisez <a href="/reset">Mot de passe oublié ?</a>
account-set-up-totp = Configurer une application d’authentification
account-note-unverified = Votre adresse e-mail n’est pas encore confirmée. Demandez une réinitialisation du mot de passe : nous vous enverrons d’abord par e-mail un lien pour la confirmer.
account-note-needs-totp = Votre organisation exige une application d’authentification pour la réinitialisation en libre-service, et vous n’en avez pas encore configuré.
account-note-unavailable = La réinitialisation en libre-service n’est pas disponible pour votre compte pour le moment. Veuillez contacter l’assistance de votre organisation.
account-manage-heading = Vous gérez l’informatique de { $domain } ?
account-manage-intro = Personne n’administre encore { $tenant } ici. Si vous contrôlez le DNS de { $domain }, vous pouvez en devenir l’administrateur. Avant cela, voici ce qui change :
account-manage-admin = Vous devenez l’administrateur de tous les comptes invités de { $domain }, avec votre propre console d’administration.
account-manage-plan = La possibilité pour ces invités, vous compris, de réinitialiser eux-mêmes leur mot de passe dépend alors de l’offre de l’organisation : avec l’offre gratuite, la réinitialisation en libre-service est désactivée pour tous, et les liens déjà envoyés cessent de fonctionner.
account-manage-link = Gérer { $domain } : comment cela fonctionne

## L’application d’authentification (account/security.html)
account-security-title = Sécurité
account-totp-heading = Application d’authentification
account-totp-on = Une application d’authentification est configurée pour votre compte. Une réinitialisation du mot de passe demande un code de cette application en plus du lien envoyé par e-mail.
account-totp-remove = Supprimer l’application d’authentification
account-totp-required = Votre organisation exige une application d’authentification pour la réinitialisation en libre-service. Sans elle, vous devrez demander à votre assistance de réinitialiser votre mot de passe.
account-totp-remove-proof = Pour confirmer qu’il s’agit bien de vous, saisissez votre mot de passe actuel <strong>ou</strong> un code de l’application.
account-current-password = Mot de passe actuel
account-remove-code-label = Ou un code à 6 chiffres de l’application
account-totp-explain = Une application d’authentification (par exemple Microsoft Authenticator, Google Authenticator ou toute application TOTP) affiche un nouveau code à 6 chiffres toutes les 30 secondes. Une fois configurée, la réinitialisation du mot de passe demande aussi ce code : un e-mail seul ne suffit donc plus pour prendre le contrôle de votre compte.
account-totp-scan = Dans l’application, ajoutez un compte et scannez ce code QR :
account-totp-qr-alt = Code QR pour ajouter { $service } à votre application d’authentification
account-totp-on-phone = Vous consultez cette page sur votre téléphone ?
account-totp-open-app = Ouvrez-le dans votre application d’authentification
account-totp-cant-scan = Impossible de le scanner ? Saisissez plutôt cette clé dans l’application :
account-totp-enter-code = { $minutes ->
    [one] Saisissez, dans un délai de { $minutes } minute, le code à 6 chiffres que l’application affiche maintenant.
   *[other] Saisissez, dans un délai de { $minutes } minutes, le code à 6 chiffres que l’application affiche maintenant.
}
account-totp-code-label = Code à 6 chiffres de l’application
account-totp-submit = Activer l’application d’authentification

## Phrases produites par le code Rust des pages du compte (src/web/account.rs)
account-totp-enrolled = Votre application d’authentification est configurée. Une réinitialisation du mot de passe demandera désormais aussi un code de cette application.
account-totp-removed = Votre application d’authentification a été supprimée de votre compte.
account-setup-expired = La configuration a pris trop de temps et a expiré. Scannez le nouveau code ci-dessous, puis saisissez le code affiché par votre application.
account-setup-wrong-code = Ce code n’est pas correct. Saisissez le code à 6 chiffres que votre application affiche maintenant pour { $service }.
account-remove-wrong = Ce mot de passe ou ce code n’est pas correct. Saisissez votre mot de passe actuel, ou un code de votre application d’authentification.
