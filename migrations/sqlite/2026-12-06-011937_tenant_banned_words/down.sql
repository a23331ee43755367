DROP TABLE tenant_banned_words;
