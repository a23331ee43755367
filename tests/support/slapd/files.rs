//! The files a throwaway `slapd` is made of: TLS certificates from a throwaway CA, its
//! `slapd.conf` and the seeded tree (LDIF).

use super::*;
use std::process::Command;

pub fn make_certificates(d: &Path) {
    let openssl = program("openssl").unwrap();
    let sh = |args: &[&str], what: &str| {
        run(Command::new(&openssl).current_dir(d).args(args), what);
    };
    sh(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Latchkey test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        "openssl (CA)",
    );
    sh(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
        "openssl (server key)",
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    sh(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
        "openssl (server certificate)",
    );
}

pub(super) fn slapd_conf(d: &Path) -> String {
    let d = d.display();
    format!(
        r#"include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
TLSCACertificateFile {d}/ca.pem
TLSCertificateFile {d}/server.pem
TLSCertificateKeyFile {d}/server.key
database mdb
maxsize 104857600
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {d}/db
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{BASE}"
ppolicy_hash_cleartext
access to attrs=userPassword
  by dn.exact="{SERVICE_DN}" write
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{SERVICE_DN}" write
  by * read
"#
    )
}

pub(super) const SEED: &str = "dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

dn: ou=services,dc=example,dc=com
objectClass: organizationalUnit
ou: services

dn: ou=policies,dc=example,dc=com
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=example,dc=com
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMinLength: 16
pwdInHistory: 3
pwdCheckQuality: 2
pwdAllowUserChange: TRUE
pwdLockout: TRUE
pwdMaxFailure: 0

dn: cn=latchkey,ou=services,dc=example,dc=com
objectClass: person
cn: latchkey
sn: service
userPassword: service-account-secret

dn: uid=ann,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: ann
cn: Ann Example
sn: Example
mail: ann@example.com
userPassword: ann-old-password-1

dn: uid=carl,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: carl
cn: Carl Example
sn: Example
mail: carl@example.com
userPassword: carl-old-password-1

dn: uid=dis,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: dis
cn: Dis Abled
sn: Abled
mail: disabled@example.com
userPassword: dis-old-password-1
pwdAccountLockedTime: 000001010000Z

dn: uid=twin1,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: twin1
cn: Twin One
sn: One
mail: shared@example.com
userPassword: twin-password-one-1

dn: uid=twin2,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: twin2
cn: Twin Two
sn: Two
mail: shared@example.com
userPassword: twin-password-two-2

dn: uid=nomail,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: nomail
cn: No Mail
sn: Mail
userPassword: nomail-password-1
";
