//! Password policy (NIST SP 800-63B). Placeholder: built in the reset-flow work.
