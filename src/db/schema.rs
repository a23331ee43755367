//! The one diesel schema, in column types both backends share.
//! Kept by hand in step with migrations/{sqlite,postgres}; `tests/migrations.rs` checks the two
//! trees and that every table here exists after migrating.

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        plan -> Text,
        sspr_enabled -> Bool,
        methods_required -> Integer,
        helpdesk_url -> Nullable<Text>,
        is_consumer -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        default_language -> Nullable<Text>,
    }
}

diesel::table! {
    tenant_domains (domain) {
        domain -> Text,
        tenant_id -> Text,
        verified_at -> Nullable<Timestamp>,
        challenge -> Nullable<Text>,
        challenge_user_id -> Nullable<Text>,
        challenge_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        bounced_at -> Nullable<Timestamp>,
        bounce_reason -> Nullable<Text>,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        disabled -> Bool,
        locked_until -> Nullable<Timestamp>,
        session_generation -> BigInt,
        password_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_languages (user_id) {
        user_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    admins (id) {
        id -> Text,
        email -> Text,
        role -> Text,
        tenant_id -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        session_generation -> BigInt,
        setup_token_hash -> Nullable<Text>,
        setup_expires_at -> Nullable<Timestamp>,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        disabled -> Bool,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        key_hash -> Text,
        prefix -> Text,
        name -> Text,
        tenant_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reset_tokens (id) {
        id -> Text,
        user_id -> Text,
        tenant_id -> Text,
        token_hash -> Text,
        code_hash -> Nullable<Text>,
        flow_id_hash -> Nullable<Text>,
        issued_by -> Nullable<Text>,
        totp_required -> Bool,
        totp_verified_at -> Nullable<Timestamp>,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// What a reset flow holds when its request issued no token (`db::reset_decoys`).
    reset_decoys (flow_id_hash) {
        flow_id_hash -> Text,
        id -> Text,
        token_hash -> Text,
        code_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> Text,
        email -> Text,
        user_id -> Nullable<Text>,
        token_hash -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        cc_email -> Nullable<Text>,
        tenant_id -> Nullable<Text>,
        token_hash -> Text,
        cc_token_hash -> Nullable<Text>,
        invited_by -> Nullable<Text>,
        api_key_id -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        redeemed_at -> Nullable<Timestamp>,
        redeemed_via -> Nullable<Text>,
        user_id -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        done_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        tenant_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        actor -> Text,
        ip -> Nullable<Text>,
        event -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        email -> Nullable<Text>,
        detail -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    rate_counters (key, window_start) {
        key -> Text,
        window_start -> Timestamp,
        count -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (api_key_id, idempotency_key) {
        api_key_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_banned_words (tenant_id, word) {
        tenant_id -> Text,
        word -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(tenant_domains -> tenants (tenant_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::table! {
    directory_links (directory_id) {
        directory_id -> Text,
        user_id -> Text,
        dn -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(reset_tokens -> users (user_id));
diesel::joinable!(directory_links -> users (user_id));
diesel::joinable!(user_languages -> users (user_id));

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_url -> Text,
        audit_event_id -> Nullable<BigInt>,
        event -> Text,
        tenant_id -> Nullable<Text>,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_cursor (name) {
        name -> Text,
        last_audit_id -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A tenant's branding overrides (`db::tenant_branding`).
    tenant_branding (tenant_id) {
        tenant_id -> Text,
        service_name -> Nullable<Text>,
        organisation -> Nullable<Text>,
        logo -> Nullable<Text>,
        accent_colour -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// "This wasn't me" tokens (`db::not_me_tokens`).
    not_me_tokens (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        tenant_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The VERP return path of each sent mail, while a late bounce may still name it
    /// (`db::mail_envelopes`).
    mail_envelopes (id_hash) {
        id_hash -> Text,
        message_id -> Text,
        kind -> Text,
        email -> Text,
        user_id -> Nullable<Text>,
        tenant_id -> Nullable<Text>,
        created_at -> Timestamp,
        bounced_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_domains,
    users,
    admins,
    api_keys,
    reset_tokens,
    reset_decoys,
    email_verifications,
    invitations,
    jobs,
    audit_events,
    rate_counters,
    idempotency_keys,
    directory_links,
    tenant_banned_words,
    webhook_deliveries,
    webhook_cursor,
    tenant_branding,
    not_me_tokens,
    mail_envelopes,
    user_languages,
);

/// Every table, for the migration parity test and `latchkey migrate` reporting.
pub const TABLES: &[&str] = &[
    "tenants",
    "tenant_domains",
    "users",
    "admins",
    "api_keys",
    "reset_tokens",
    "reset_decoys",
    "tenant_branding",
    "not_me_tokens",
    "email_verifications",
    "invitations",
    "jobs",
    "audit_events",
    "rate_counters",
    "idempotency_keys",
    "directory_links",
    "tenant_banned_words",
    "webhook_deliveries",
    "webhook_cursor",
    "mail_envelopes",
    "user_languages",
];
