DROP TABLE not_me_tokens;
DROP TABLE tenant_branding;
