# Courriels (templates/email/). Les clés en -html peuvent contenir du balisage et ne servent que
# dans la partie HTML ; les autres sont du texte brut partagé par les deux parties.

mail-hello = Bonjour,
mail-someone-asked-reset = Quelqu’un (probablement vous) a demandé à réinitialiser le mot de passe de cette adresse e-mail.
mail-not-you-unchanged = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail : votre mot de passe n’a pas été modifié.
mail-not-you-nothing = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail : rien n’a été modifié.
mail-not-you-nothing-was = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail : rien n’a été modifié.
mail-confirm-title = Confirmez votre adresse e-mail
mail-confirm-button = Confirmer mon adresse e-mail
mail-signin = Se connecter
mail-forgot = Mot de passe oublié ?

## Le lien de réinitialisation
mail-reset-subject = Réinitialisez votre mot de passe
mail-reset-button = Choisir un nouveau mot de passe
mail-reset-open-link = Pour choisir un nouveau mot de passe, ouvrez ce lien :
mail-reset-or-code = Ou, dans la fenêtre du navigateur où vous avez fait la demande, saisissez ce code :
mail-reset-expiry-html = Ce lien et ce code expirent dans <strong>{ $expires_in }</strong>, à <strong>{ $expires_at }</strong>. Ils ne servent qu’une fois. S’ils ont expiré, <a href="{ $url }">demandez-en de nouveaux</a>.
mail-reset-expiry-text = Ce lien et ce code expirent dans { $expires_in }, à { $expires_at }. Ils ne servent qu’une fois. S’ils ont expiré, demandez-en de nouveaux sur { $url }
mail-reset-not-you = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail : votre mot de passe reste le même, et personne ne peut le modifier sans ce lien ou ce code. Ne les communiquez jamais à personne, y compris à des personnes qui disent faire partie de l’assistance.

## Le compte est verrouillé
mail-locked-subject = La réinitialisation de votre mot de passe est suspendue pour le moment
mail-locked-text = Quelqu’un (probablement vous) a demandé à réinitialiser le mot de passe de cette adresse e-mail, mais nous ne pouvons pas envoyer de lien pour le moment : il y a eu trop de tentatives sur ce compte, il est donc verrouillé quelque temps pour le protéger.
mail-locked-retry-html = Vous pourrez réessayer dans <strong>{ $retry_in }</strong>, après <strong>{ $retry_at }</strong>, sur la <a href="{ $url }">page de réinitialisation du mot de passe</a>.
mail-locked-retry-text = Vous pourrez réessayer dans { $retry_in }, après { $retry_at }, sur { $url }
mail-locked-sooner = Si vous avez besoin d’accéder plus tôt à votre compte, contactez { $helpdesk }.

## Le mot de passe a été modifié
mail-changed-subject = Votre mot de passe a été modifié
mail-changed-when-html = Le mot de passe de cette adresse e-mail a été modifié à <strong>{ $changed_at }</strong>, depuis l’adresse internet <strong>{ $ip }</strong>.
mail-changed-when-text = Le mot de passe de cette adresse e-mail a été modifié à { $changed_at }, depuis l’adresse internet { $ip }.
mail-changed-if-you = Si c’était vous, vous n’avez rien d’autre à faire. Vous avez été déconnecté partout ailleurs ; reconnectez-vous avec votre nouveau mot de passe.
mail-changed-if-not-you-html = <strong>Si ce n’était pas vous</strong>, quelqu’un d’autre a peut-être accès à vos e-mails. Agissez maintenant :
mail-changed-if-not-you-text = Si ce n’était PAS vous, quelqu’un d’autre a peut-être accès à vos e-mails. Agissez maintenant :
mail-changed-step-mailbox = Changez le mot de passe de votre compte de messagerie.
mail-changed-step-reset = Réinitialisez à nouveau votre mot de passe
mail-changed-step-reset-text = Réinitialisez à nouveau votre mot de passe sur { $url }
mail-changed-step-tell = Informez { $helpdesk } de ce qui s’est passé.
mail-changed-step-tell-it = Informez l’assistance informatique de votre organisation de ce qui s’est passé.

## L’adresse n’est pas confirmée
mail-unverified-subject = Confirmez votre adresse e-mail avant de réinitialiser votre mot de passe
mail-unverified-text = Quelqu’un (probablement vous) a demandé à réinitialiser le mot de passe de cette adresse e-mail. Avant de pouvoir envoyer un lien, nous devons savoir que cette adresse vous appartient vraiment, et elle n’a pas encore été confirmée.
mail-unverified-open-link = Pour la confirmer, ouvrez ce lien :
mail-unverified-expiry-html = Ce lien expire dans <strong>{ $expires_in }</strong>, à <strong>{ $expires_at }</strong>. Une fois votre adresse confirmée, <a href="{ $url }">redemandez une réinitialisation</a>.
mail-unverified-expiry-text = Ce lien expire dans { $expires_in }, à { $expires_at }. Une fois votre adresse confirmée, redemandez une réinitialisation sur { $url }

## Aucune application d’authentification
mail-methods-subject = Votre mot de passe ne peut pas encore être réinitialisé par e-mail
mail-methods-text = Quelqu’un (probablement vous) a demandé à réinitialiser le mot de passe de cette adresse e-mail. { $tenant } exige une seconde vérification avant toute réinitialisation : un code d’une application d’authentification sur votre téléphone. Votre compte n’en a pas encore, nous ne pouvons donc pas envoyer de lien.
mail-methods-know-html = <strong>Si vous connaissez encore votre mot de passe :</strong> <a href="{ $signin }">connectez-vous</a> et <a href="{ $security }">ajoutez une application d’authentification</a>. Ensuite, vous pourrez réinitialiser votre mot de passe par e-mail chaque fois que nécessaire.
mail-methods-know-text =
    Si vous connaissez encore votre mot de passe : connectez-vous sur { $signin } et ajoutez une application d’authentification sur cette page : { $security }
    Ensuite, vous pourrez réinitialiser votre mot de passe par e-mail chaque fois que nécessaire.
mail-methods-forgot-helpdesk-html = <strong>Si vous ne connaissez pas votre mot de passe :</strong> contactez { $helpdesk }. Ils pourront confirmer votre identité et vous aider à retrouver l’accès.
mail-methods-forgot-tenant-html = <strong>Si vous ne connaissez pas votre mot de passe :</strong> contactez l’assistance informatique de { $tenant }. Ils pourront confirmer votre identité et vous aider à retrouver l’accès.
mail-methods-forgot-helpdesk-text = Si vous ne connaissez pas votre mot de passe : contactez { $helpdesk }. Ils pourront confirmer votre identité et vous aider à retrouver l’accès.
mail-methods-forgot-tenant-text = Si vous ne connaissez pas votre mot de passe : contactez l’assistance informatique de { $tenant }. Ils pourront confirmer votre identité et vous aider à retrouver l’accès.

## Confirmer une adresse
mail-verify-text = Veuillez confirmer que cette adresse e-mail vous appartient.
mail-verify-open-link = Veuillez confirmer que cette adresse e-mail vous appartient en ouvrant ce lien :
mail-verify-expiry-html = Ce lien expire dans <strong>{ $expires_in }</strong>, à <strong>{ $expires_at }</strong>, et ne sert qu’une fois. Une adresse confirmée vous permet de réinitialiser votre mot de passe par e-mail si vous l’oubliez.
mail-verify-expiry-text = Ce lien expire dans { $expires_in }, à { $expires_at }, et ne sert qu’une fois. Une adresse confirmée vous permet de réinitialiser votre mot de passe par e-mail si vous l’oubliez.
mail-verify-not-expected = Si vous n’attendiez pas cet e-mail, vous pouvez l’ignorer : rien ne sera modifié.

## Une invitation
mail-invite-title = Invitation à rejoindre { $tenant }
mail-invite-heading = Vous êtes invité à rejoindre { $tenant }
mail-invite-subject-from = { $inviter } vous invite à rejoindre { $tenant }
mail-invite-from = { $inviter } vous a invité à rejoindre { $tenant } en tant qu’invité.
mail-invite-anonymous = Vous avez été invité à rejoindre { $tenant } en tant qu’invité.
mail-invite-button = Accepter l’invitation
mail-invite-open-link = Pour accepter, ouvrez ce lien et choisissez votre mot de passe :
mail-invite-expiry-from-html = L’invitation est valable <strong>{ $expires_in }</strong>, jusqu’à <strong>{ $expires_at }</strong>, et ne sert qu’une fois. Si elle a expiré, demandez à { $inviter } de vous en envoyer une nouvelle.
mail-invite-expiry-html = L’invitation est valable <strong>{ $expires_in }</strong>, jusqu’à <strong>{ $expires_at }</strong>, et ne sert qu’une fois. Si elle a expiré, demandez à la personne qui vous a invité de vous en envoyer une nouvelle.
mail-invite-expiry-from-text = L’invitation est valable { $expires_in }, jusqu’à { $expires_at }, et ne sert qu’une fois. Si elle a expiré, demandez à { $inviter } de vous en envoyer une nouvelle.
mail-invite-expiry-text = L’invitation est valable { $expires_in }, jusqu’à { $expires_at }, et ne sert qu’une fois. Si elle a expiré, demandez à la personne qui vous a invité de vous en envoyer une nouvelle.
mail-invite-not-expected = Si vous n’attendiez pas cette invitation, vous pouvez ignorer cet e-mail : aucun compte n’est créé sans votre accord.

## Inscription en libre-service
mail-signup-subject = Terminez la création de votre compte
mail-signup-existing-subject = Vous avez déjà un compte
mail-signup-text-html = Quelqu’un, vous sans doute, a demandé à créer un compte invité pour cette adresse e-mail. Pour choisir votre mot de passe et terminer, utilisez le bouton ci-dessous.
mail-signup-text = Quelqu’un, vous sans doute, a demandé à créer un compte invité pour cette adresse e-mail. Pour choisir votre mot de passe et terminer, ouvrez ce lien :
mail-signup-button = Choisir mon mot de passe
mail-signup-expiry-html = Ce lien expire dans <strong>{ $expires_in }</strong>, à <strong>{ $expires_at }</strong>, et ne sert qu’une fois.
mail-signup-expiry-text = Ce lien expire dans { $expires_in }, à { $expires_at }, et ne sert qu’une fois.
mail-signup-not-you = Si vous n’avez pas demandé de compte, vous pouvez ignorer cet e-mail : rien n’est créé tant que le lien n’est pas utilisé.
mail-signup-existing-text = Quelqu’un, vous sans doute, a demandé à créer un compte invité pour cette adresse e-mail, mais vous en avez déjà un.

## Le bloc à la fin de chaque message : le compte, l’hôte, la demande, « Ce n’était pas moi »
mail-about-account-html = Ce message concerne le compte <strong>{ $account }</strong>.
mail-about-guest-of-html = Vous êtes invité·e de <strong>{ $organisation }</strong>.
mail-about-account-text = Ce message concerne le compte { $account }.
mail-about-guest-of-text = Vous êtes invité·e de { $organisation }.
mail-about-asked = Demandé le { $at }.
mail-about-asked-from = Demandé le { $at } depuis l’adresse internet { $ip }.
mail-about-asked-from-with = Demandé le { $at } depuis l’adresse internet { $ip } ({ $browser }).
mail-about-not-me-question = Ce n’était pas vous ?
mail-about-not-me-link = Dites-le-nous
mail-about-not-me-effect = nous vous déconnecterons partout, annulerons tous les liens et codes de réinitialisation et préviendrons les administrateurs de votre organisation.
mail-no-reply = Merci de ne pas répondre : les réponses ne sont pas lues.

## Aux administrateurs d’un locataire : un invité signale une réinitialisation qui n’était pas la sienne
mail-notme-alert-subject = Un invité de { $tenant } a signalé une réinitialisation de mot de passe qui n’était pas la sienne
mail-notme-alert-heading = Un invité a signalé une réinitialisation qui n’était pas la sienne
mail-notme-alert-said-html = L’invité <strong>{ $guest }</strong> de <strong>{ $tenant }</strong> a indiqué, le { $at }, qu’une réinitialisation ou un changement du mot de passe de son compte n’a pas été fait par lui.
mail-notme-alert-said-text = L’invité { $guest } de { $tenant } a indiqué, le { $at }, qu’une réinitialisation ou un changement du mot de passe de son compte n’a pas été fait par lui.
mail-notme-alert-done = Ce qui a été fait aussitôt : toutes les sessions du compte ont été fermées et tous les liens et codes de réinitialisation non encore utilisés ont été annulés. Le mot de passe lui-même n’a pas été modifié.
mail-notme-alert-button = Ouvrir le journal d’audit
mail-notme-alert-check = Vérifiez auprès de l’invité et consultez le journal d’audit du compte :
