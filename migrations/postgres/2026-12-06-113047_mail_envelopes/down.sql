DROP TABLE mail_envelopes;
