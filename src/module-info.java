/**
 * keybackup: Matrix signed key backup (the initial revision of MSC4048) on the JDK alone.
 * Each exported package is API; everything else is internal. See README, "Module notes".
 */
module keybackup {
    requires java.net.http;               // homeserver client (java.net.http.HttpClient)

    exports keybackup.json;               // immutable JSON values, strict parser, canonical encoder, signed JSON
    exports keybackup.keys;               // Ed25519 and Curve25519 keys, recovery keys, passphrase keys
    exports keybackup.backup;             // AuthData, SessionData, KeyBackupData, field names, backup encryption
    exports keybackup.homeserver;         // backup store API: BackupStore and the homeserver client
    exports keybackup.localstore;         // the offline local store, for library users as for the command line
    exports keybackup.secrets;            // Secret Storage (aes-hmac-sha2): keys, key descriptions, secrets
    exports keybackup.trust;              // trust anchors, AuthData trust, per-session verdicts, key sources, audit
    exports keybackup.workflow;           // enable, upload, restore, migrate over a BackupStore
}
