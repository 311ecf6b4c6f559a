//! The transit table: Vault's paths, fields and defaults.

use super::Transit;
use crate::handler;
use crate::logical::{Display, Field, FieldDefault, FieldType, Op, PathDef};

const NAME: Field = Field::new("name", FieldType::String, "Name of the key");
const CONTEXT: Field = Field::new(
    "context",
    FieldType::String,
    "Base64 encoded context for key derivation. Required if key derivation is enabled.",
);
const KEY_VERSION: Field =
    Field::new("key_version", FieldType::Int, "The version of the key to use. If not set, uses the latest version.");
const ASSOCIATED_DATA: Field = Field::new("associated_data", FieldType::String, "When using an AEAD cipher mode, such as AES-GCM, this parameter allows passing associated data (AD/AAD) into the encryption function; this data must be passed on subsequent decryption requests but can be transited in plaintext.");
const BATCH_INPUT: Field = Field::new("batch_input", FieldType::Slice, "Specifies a list of items to be processed in a single batch. When this parameter is set, the other request parameters are ignored.");
const PARTIAL_FAILURE: Field = Field::new("partial_failure_response_code", FieldType::Int, "Ordinarily, if a batch item fails, the status code is 400. If this is set, the status code is set to this value when some items succeed.");

const KEY_CREATE: &[Field] = &[
    NAME,
    Field::new("type", FieldType::String, "The type of key to create. Currently, \"aes128-gcm96\" (symmetric), \"aes256-gcm96\" (symmetric), \"chacha20-poly1305\" (symmetric) and \"hmac\" are supported.").default(FieldDefault::Str("aes256-gcm96")),
    Field::new("derived", FieldType::Bool, "Enables key derivation mode. This allows for per-transaction unique keys for encryption operations."),
    Field::new("convergent_encryption", FieldType::Bool, "Whether to support convergent encryption. This is only supported when using a key with key derivation enabled and will require all requests to carry both a context and 96-bit (12-byte) nonce."),
    Field::new("exportable", FieldType::Bool, "Enables keys to be exportable. This allows for all the valid keys in the key ring to be exported."),
    Field::new("allow_plaintext_backup", FieldType::Bool, "Enables taking a backup of the named key in plaintext format. Once set, this cannot be disabled."),
    Field::new("context", FieldType::String, "Base64 encoded context for key derivation. When reading a key with key derivation enabled, if the key type supports public keys, this will return the public key for the given context."),
    Field::new("auto_rotate_period", FieldType::Duration, "Amount of time the key should live before being automatically rotated. A value of 0 (default) disables automatic rotation for the key."),
    Field::new("key_size", FieldType::Int, "The key size in bytes for the algorithm. Only applies to HMAC and must be no fewer than 32 bytes and no more than 512"),
];

const KEY_CONFIG: &[Field] = &[
    NAME,
    Field::new("min_decryption_version", FieldType::Int, "If set, the minimum version of the key allowed to be decrypted. For signing keys, the minimum version allowed to be used for verification."),
    Field::new("min_encryption_version", FieldType::Int, "If set, the minimum version of the key allowed to be used for encryption; or for signing keys, to be used for signing. If set to zero, only the latest version of the key is allowed."),
    Field::new("deletion_allowed", FieldType::Bool, "Whether to allow deletion of the key"),
    Field::new("exportable", FieldType::Bool, "Enables export of the key. Once set, this cannot be disabled."),
    Field::new("allow_plaintext_backup", FieldType::Bool, "Enables taking a backup of the named key in plaintext format. Once set, this cannot be disabled."),
    Field::new("auto_rotate_period", FieldType::Duration, "Amount of time the key should live before being automatically rotated. A value of 0 disables automatic rotation for the key."),
];

const TRIM: &[Field] = &[
    NAME,
    Field::new("min_available_version", FieldType::Int, "The minimum available version for the key ring. All versions before this version will be permanently deleted. This value can at most be equal to the lesser of 'min_decryption_version' and 'min_encryption_version'. This is not allowed to be set when either 'min_encryption_version' or 'min_decryption_version' is set to zero."),
];

const ENCRYPT: &[Field] = &[
    NAME,
    Field::new("plaintext", FieldType::String, "Base64 encoded plaintext value to be encrypted"),
    CONTEXT,
    KEY_VERSION,
    ASSOCIATED_DATA,
    Field::new("type", FieldType::String, "This parameter is required when encryption key is expected to be created. When performing an upsert operation, the type of key to create.").default(FieldDefault::Str("aes256-gcm96")),
    Field::new("convergent_encryption", FieldType::Bool, "This parameter will only be used when a key is expected to be created. Whether to support convergent encryption. This is only supported when using a key with key derivation enabled and will require all requests to carry both a context and 96-bit (12-byte) nonce."),
    BATCH_INPUT,
    PARTIAL_FAILURE,
];

const DECRYPT: &[Field] = &[
    NAME,
    Field::new("ciphertext", FieldType::String, "The ciphertext to decrypt, provided as returned by encrypt."),
    CONTEXT,
    ASSOCIATED_DATA,
    BATCH_INPUT,
    PARTIAL_FAILURE,
];

const REWRAP: &[Field] = &[
    NAME,
    Field::new("ciphertext", FieldType::String, "Ciphertext value to rewrap"),
    CONTEXT,
    KEY_VERSION,
    BATCH_INPUT,
];

const DATAKEY: &[Field] = &[
    NAME,
    Field::new("plaintext", FieldType::String, "\"plaintext\" will return the key in both plaintext and ciphertext; \"wrapped\" will return the ciphertext only."),
    CONTEXT,
    Field::new("bits", FieldType::Int, "Number of bits for the key; currently 128, 256, and 512 bits are supported. Defaults to 256.").default(FieldDefault::Int(256)),
    KEY_VERSION,
];

const HMAC: &[Field] = &[
    NAME,
    Field::new("input", FieldType::String, "The base64-encoded input data"),
    Field::new("algorithm", FieldType::String, "Algorithm to use (POST body parameter). Valid values are: * sha2-224 * sha2-256 * sha2-384 * sha2-512 * sha3-224 * sha3-256 * sha3-384 * sha3-512 Defaults to \"sha2-256\".").default(FieldDefault::Str("sha2-256")),
    Field::new("urlalgorithm", FieldType::String, "Algorithm to use (POST URL parameter)"),
    KEY_VERSION,
    BATCH_INPUT,
];

const SIGN_CONTEXT: Field = Field::new("context", FieldType::String, "Base64 encoded context for key derivation. Required if key derivation is enabled; currently only available with ed25519 keys.");
const HASH_ALGORITHM: Field = Field::new("hash_algorithm", FieldType::String, "Hash algorithm to use (POST body parameter). Valid values are: * sha1 * sha2-224 * sha2-256 * sha2-384 * sha2-512 * sha3-224 * sha3-256 * sha3-384 * sha3-512 * none Defaults to \"sha2-256\". Not valid for all key types, including ed25519. Using none requires setting prehashed=true and signature_algorithm=pkcs1v15, yielding a PKCSv1_5_NoOID instead of the usual PKCSv1_5_DERnull signature.").default(FieldDefault::Str("sha2-256"));
const DEPRECATED_ALGORITHM: Field =
    Field::new("algorithm", FieldType::String, "Deprecated: use \"hash_algorithm\" instead.")
        .default(FieldDefault::Str("sha2-256"));
const URL_ALGORITHM: Field =
    Field::new("urlalgorithm", FieldType::String, "Hash algorithm to use (POST URL parameter)");
const PREHASHED: Field = Field::new("prehashed", FieldType::Bool, "Set to 'true' when the input is already hashed. If the key type is 'rsa-2048', 'rsa-3072' or 'rsa-4096', then the algorithm used to hash the input should be indicated by the 'algorithm' parameter.");
const SIGNATURE_ALGORITHM: Field = Field::new("signature_algorithm", FieldType::String, "The signature algorithm to use for signing. Currently only applies to RSA key types. Options are 'pss' or 'pkcs1v15'. Defaults to 'pss'");
const MARSHALING_ALGORITHM: Field = Field::new("marshaling_algorithm", FieldType::String, "The method by which to marshal the signature. The default is 'asn1' which is used by openssl and X.509. It can also be set to 'jws' which is used for JWT signatures; setting it to this will also cause the encoding of the signature to be url-safe base64 instead of using standard base64 encoding. Currently only valid for ECDSA P-256 key types\".").default(FieldDefault::Str("asn1"));
const SALT_LENGTH: Field = Field::new("salt_length", FieldType::String, "The salt length used to sign. Currently only applies to the RSA PSS signature scheme. Options are 'auto' (the default used by Golang, causing the salt to be as large as possible when signing), 'hash' (causes the salt length to equal the length of the hash used in the signature), or an integer between the minimum and the maximum permissible salt lengths for the given RSA key size. Defaults to 'auto'.").default(FieldDefault::Str("auto"));

const SIGN: &[Field] = &[
    NAME,
    Field::new("input", FieldType::String, "The base64-encoded input data"),
    SIGN_CONTEXT,
    HASH_ALGORITHM,
    DEPRECATED_ALGORITHM,
    URL_ALGORITHM,
    Field::new("key_version", FieldType::Int, "The version of the key to use for signing. Must be 0 (for latest) or a value greater than or equal to the min_encryption_version configured on the key."),
    PREHASHED,
    SIGNATURE_ALGORITHM,
    MARSHALING_ALGORITHM,
    SALT_LENGTH,
    BATCH_INPUT,
];

const VERIFY: &[Field] = &[
    NAME,
    SIGN_CONTEXT,
    Field::new("input", FieldType::String, "The base64-encoded input data to verify"),
    Field::new("hmac", FieldType::String, "The HMAC, including vault header/key version"),
    Field::new("signature", FieldType::String, "The signature, including vault header/key version"),
    DEPRECATED_ALGORITHM,
    HASH_ALGORITHM,
    URL_ALGORITHM,
    PREHASHED,
    SIGNATURE_ALGORITHM,
    MARSHALING_ALGORITHM,
    SALT_LENGTH,
    BATCH_INPUT,
];

const IMPORT_MATERIAL: &[Field] = &[
    NAME,
    Field::new("ciphertext", FieldType::String, "The base64-encoded ciphertext of the keys. The AES key should be encrypted using OAEP with the wrapping key and then concatenated with the import key, wrapped by the AES key."),
    Field::new("public_key", FieldType::String, "The plaintext PEM public key to be imported. If \"ciphertext\" is set, this field is ignored."),
    Field::new("hash_function", FieldType::String, "The hash function used as a random oracle in the OAEP wrapping of the user-generated, ephemeral AES key. Can be one of \"SHA1\", \"SHA224\", \"SHA256\" (default), \"SHA384\", or \"SHA512\"").default(FieldDefault::Str("SHA256")),
];

const IMPORT: &[Field] = &[
    Field::new("type", FieldType::String, "The type of key being imported. Currently, \"aes128-gcm96\" (symmetric), \"aes256-gcm96\" (symmetric), \"ecdsa-p256\" (asymmetric), \"ecdsa-p384\" (asymmetric), \"ecdsa-p521\" (asymmetric), \"ed25519\" (asymmetric), \"rsa-2048\" (asymmetric), \"rsa-3072\" (asymmetric), \"rsa-4096\" (asymmetric) are supported. Defaults to \"aes256-gcm96\".").default(FieldDefault::Str("aes256-gcm96")),
    Field::new("allow_rotation", FieldType::Bool, "True if the imported key may be rotated within Vault. Defaults to false."),
    Field::new("derived", FieldType::Bool, "Enables key derivation mode. This allows for per-transaction unique keys for encryption operations."),
    CONTEXT,
    Field::new("exportable", FieldType::Bool, "Enables keys to be exportable. This allows for all the valid keys in the key ring to be exported."),
    Field::new("allow_plaintext_backup", FieldType::Bool, "Enables taking a backup of the named key in plaintext format. Once set, this cannot be disabled."),
    Field::new("auto_rotate_period", FieldType::Duration, "Amount of time the key should live before being automatically rotated. A value of 0 (default) disables automatic rotation for the key."),
    Field::new("convergent_encryption", FieldType::Bool, "Not allowed: imported keys cannot use convergent encryption."),
];

const IMPORT_VERSION: &[Field] = &[Field::new(
    "version",
    FieldType::Int,
    "Key version to be updated, if left empty, a new version will be created unless a private key is specified and the 'Latest' key is missing a private key.",
)];

const HASH: &[Field] = &[
    Field::new("input", FieldType::String, "The base64-encoded input data"),
    Field::new("algorithm", FieldType::String, "Algorithm to use (POST body parameter). Valid values are: * sha2-224 * sha2-256 * sha2-384 * sha2-512 * sha3-224 * sha3-256 * sha3-384 * sha3-512 Defaults to \"sha2-256\".").default(FieldDefault::Str("sha2-256")),
    Field::new("urlalgorithm", FieldType::String, "Algorithm to use (POST URL parameter)"),
    Field::new("format", FieldType::String, "Encoding format to use. Can be \"hex\" or \"base64\". Defaults to \"hex\".").default(FieldDefault::Str("hex")),
];

const RANDOM: &[Field] = &[
    Field::new("urlbytes", FieldType::String, "The number of bytes to generate (POST URL parameter)"),
    Field::new(
        "bytes",
        FieldType::Int,
        "The number of bytes to generate (POST body parameter). Defaults to 32 (256 bits).",
    )
    .default(FieldDefault::Int(32)),
    Field::new(
        "format",
        FieldType::String,
        "Encoding format to use. Can be \"hex\" or \"base64\". Defaults to \"base64\".",
    )
    .default(FieldDefault::Str("base64")),
    Field::new(
        "source",
        FieldType::String,
        "Which system to source random data from, ether \"platform\", \"seal\", or \"all\".",
    )
    .default(FieldDefault::Str("platform")),
];

const EXPORT: &[Field] = &[
    NAME,
    Field::new("type", FieldType::String, "Type of key to export (encryption-key, signing-key, hmac-key, public-key)"),
    Field::new("version", FieldType::String, "Version of the key"),
];

const BACKUP: &[Field] = &[NAME];

const RESTORE: &[Field] = &[
    Field::new(
        "backup",
        FieldType::String,
        "Backed up key data to be restored. This should be the output from the 'backup/' endpoint.",
    ),
    Field::new("name", FieldType::String, "If set, this will be the name of the restored key."),
    Field::new(
        "force",
        FieldType::Bool,
        "If set and a key by the given name exists, force the restore operation and override the key.",
    ),
];

const CACHE_CONFIG: &[Field] =
    &[Field::new("size", FieldType::Int, "Size of cache, use 0 for an unlimited cache size, defaults to 0")];

const CONFIG_KEYS: &[Field] = &[Field::new(
    "disable_upsert",
    FieldType::Bool,
    "Whether to allow automatic upserting (creation) of keys on the encrypt endpoint.",
)];

const KEYS_HELP: &str = "Managed named encryption keys";
const ENCRYPT_HELP: &str = "Encrypt a plaintext value or a batch of plaintext blocks using a named key";

pub fn table() -> Vec<PathDef<Transit>> {
    let t = |suffix| Display::ids("transit", suffix);
    vec![
        PathDef::new("keys/?")
            .display(t("keys"))
            .list(handler!(Transit::list_keys))
            .help(KEYS_HELP, "This path is used to manage the named keys that are available. Doing a write with no value against a new named key will create it using a randomly generated key."),
        PathDef::new("keys/{name}")
            .display(t("key"))
            .op_display(Op::Update, Display::verb("transit", "create", "key"))
            .fields(&[KEY_CREATE])
            .read(handler!(Transit::read_key))
            .update(handler!(Transit::create_key))
            .delete(handler!(Transit::delete_key))
            .help(KEYS_HELP, "This path is used to manage the named keys that are available. Doing a write with no value against a new named key will create it using a randomly generated key."),
        PathDef::new("keys/{name}/config")
            .display(Display::verb("transit", "configure", "key"))
            .fields(&[KEY_CONFIG])
            .update(handler!(Transit::configure_key))
            .help("Configure a named encryption key", "This path is used to configure the named key. Currently, this supports adjusting the minimum version of the key allowed to be used for decryption via the min_decryption_version parameter."),
        PathDef::new("keys/{name}/rotate")
            .display(Display::verb("transit", "rotate", "key"))
            .fields(&[&[NAME]])
            .update(handler!(Transit::rotate_key))
            .help("Rotate named encryption key", "This path is used to rotate the named key. After rotation, new encryption requests using this name will use the new key, but decryption will still be supported for older versions."),
        PathDef::new("keys/{name}/trim")
            .display(Display::verb("transit", "trim", "key"))
            .fields(&[TRIM])
            .update(handler!(Transit::trim_key))
            .help("Trim key versions of a named key", "This path is used to trim key versions of a named key. Trimming only happens from the lower end of version numbers."),
        PathDef::new("keys/{name}/import")
            .display(Display::verb("transit", "import", "key"))
            .fields(&[IMPORT_MATERIAL, IMPORT])
            .update(handler!(Transit::import_key))
            .help("Imports an externally-generated key into a new transit key", "This path is used to import an externally-generated key into Vault. The import operation creates a new key and cannot be used to replace an existing key."),
        PathDef::new("keys/{name}/import_version")
            .display(Display::verb("transit", "import", "key-version"))
            .fields(&[IMPORT_MATERIAL, IMPORT_VERSION])
            .update(handler!(Transit::import_key_version))
            .help("Imports an externally-generated key into an existing imported key", "This path is used to import a new version of an externally-generated key into an existing import key. The import_version endpoint only supports importing key material into existing imported keys."),
        PathDef::new("wrapping_key")
            .display(t("wrapping-key"))
            .read(handler!(Transit::read_wrapping_key))
            .help("Returns the public key to use for wrapping imported keys", "This path is used to retrieve the RSA-4096 wrapping key for wrapping keys that are being imported into transit."),
        PathDef::new("encrypt/{name}")
            .display(Display::verb("transit", "encrypt", ""))
            .fields(&[ENCRYPT])
            .create(handler!(Transit::encrypt_creating))
            .update(handler!(Transit::encrypt))
            .exists(handler!(Transit::key_exists))
            .help(ENCRYPT_HELP, "This path uses the named key from the request path to encrypt a user provided plaintext or a batch of plaintext blocks. The plaintext must be base64 encoded."),
        PathDef::new("decrypt/{name}")
            .display(Display::verb("transit", "decrypt", ""))
            .fields(&[DECRYPT])
            .update(handler!(Transit::decrypt))
            .help("Decrypt a ciphertext value using a named key", "This path uses the named key from the request path to decrypt a user provided ciphertext. The plaintext is returned base64 encoded."),
        PathDef::new("rewrap/{name}")
            .display(Display::verb("transit", "rewrap", ""))
            .fields(&[REWRAP])
            .update(handler!(Transit::rewrap))
            .help("Rewrap ciphertext", "After key rotation, this function can be used to rewrap the given ciphertext or a batch of given ciphertext blocks with the latest version of the named key. If the given ciphertext is already using the latest version of the key, this function is a no-op."),
        PathDef::new("datakey/{plaintext}/{name}")
            .display(Display::verb("transit", "generate", "data-key"))
            .fields(&[DATAKEY])
            .update(handler!(Transit::datakey))
            .help("Generate a data key", "This path can be used to generate a data key: a random key of a certain length that can be used for encryption and decryption, protected by the named backend key. 128, 256, or 512 bits can be specified; if not specified, the default is 256 bits. Call with the the \"wrapped\" path to prevent the (base64-encoded) plaintext key from being returned along with the encrypted key, the \"plaintext\" path returns both."),
        PathDef::new("hmac/{name}")
            .display(Display::verb("transit", "generate", "hmac"))
            .fields(&[HMAC])
            .update(handler!(Transit::hmac))
            .help("Generate an HMAC for input data using the named key", "Generates an HMAC sum of the given algorithm and key against the given input data."),
        PathDef::new("hmac/{name}/{urlalgorithm}")
            .display(Display::verb("transit", "generate", "hmac-with-algorithm"))
            .fields(&[HMAC])
            .update(handler!(Transit::hmac))
            .help("Generate an HMAC for input data using the named key", "Generates an HMAC sum of the given algorithm and key against the given input data."),
        PathDef::new("sign/{name}")
            .display(Display::verb("transit", "sign", ""))
            .fields(&[SIGN])
            .update(handler!(Transit::sign))
            .help("Generate a signature for input data using the named key", "Generates a signature of the input data using the named key and the given hash algorithm."),
        PathDef::new("sign/{name}/{urlalgorithm}")
            .display(Display::verb("transit", "sign", "with-algorithm"))
            .fields(&[SIGN])
            .update(handler!(Transit::sign))
            .help("Generate a signature for input data using the named key", "Generates a signature of the input data using the named key and the given hash algorithm."),
        PathDef::new("verify/{name}")
            .display(Display::verb("transit", "verify", ""))
            .fields(&[VERIFY])
            .update(handler!(Transit::verify))
            .help("Verify a signature or HMAC for input data created using the named key", "Verifies a signature or HMAC of the given algorithm and key against the given input data."),
        PathDef::new("verify/{name}/{urlalgorithm}")
            .display(Display::verb("transit", "verify", "with-algorithm"))
            .fields(&[VERIFY])
            .update(handler!(Transit::verify))
            .help("Verify a signature or HMAC for input data created using the named key", "Verifies a signature or HMAC of the given algorithm and key against the given input data."),
        PathDef::new("hash")
            .display(Display::verb("transit", "hash", ""))
            .fields(&[HASH])
            .update(handler!(Transit::hash))
            .help("Generate a hash sum for input data", "Generates a hash sum of the given algorithm against the given input data."),
        PathDef::new("hash/{urlalgorithm}")
            .display(Display::verb("transit", "hash", "with-algorithm"))
            .fields(&[HASH])
            .update(handler!(Transit::hash))
            .help("Generate a hash sum for input data", "Generates a hash sum of the given algorithm against the given input data."),
        PathDef::new("random")
            .display(Display::verb("transit", "generate", "random"))
            .fields(&[RANDOM])
            .update(handler!(Transit::random))
            .help("Generate random bytes", "This function can be used to generate high-entropy random bytes."),
        PathDef::new("random/{source}")
            .display(Display::verb("transit", "generate", "random-with-source"))
            .fields(&[RANDOM])
            .update(handler!(Transit::random))
            .help("Generate random bytes", "This function can be used to generate high-entropy random bytes."),
        PathDef::new("random/{source}/{urlbytes}")
            .display(Display::verb("transit", "generate", "random-with-source-and-bytes"))
            .fields(&[RANDOM])
            .update(handler!(Transit::random))
            .help("Generate random bytes", "This function can be used to generate high-entropy random bytes."),
        PathDef::new("export/{type}/{name}")
            .display(Display::verb("transit", "export", "key"))
            .fields(&[EXPORT])
            .read(handler!(Transit::export))
            .help("Export named encryption or signing key", "This path is used to export the keys that are configured as exportable."),
        PathDef::new("export/{type}/{name}/{version}")
            .display(Display::verb("transit", "export", "key-version"))
            .fields(&[EXPORT])
            .read(handler!(Transit::export))
            .help("Export named encryption or signing key", "This path is used to export the keys that are configured as exportable."),
        PathDef::new("backup/{name}")
            .display(Display::verb("transit", "back-up", "key"))
            .fields(&[BACKUP])
            .read(handler!(Transit::backup))
            .help("Backup the named key", "This path is used to backup the named key."),
        PathDef::new("restore")
            .display(Display::verb("transit", "restore", "key"))
            .fields(&[RESTORE])
            .update(handler!(Transit::restore))
            .help("Restore the named key", "This path is used to restore the named key."),
        PathDef::new("restore/{name:rest}")
            .display(Display::verb("transit", "restore", "and-rename-key"))
            .fields(&[RESTORE])
            .update(handler!(Transit::restore))
            .help("Restore the named key", "This path is used to restore the named key."),
        PathDef::new("cache-config")
            .display(Display::ids("transit", "cache-configuration"))
            .op_display(Op::Update, Display::verb("transit", "configure", "cache"))
            .fields(&[CACHE_CONFIG])
            .read(handler!(Transit::read_cache_config))
            .update(handler!(Transit::write_cache_config))
            .help("Configure caching strategy", "This path is used to configure and query the cache size of the active cache, a size of 0 means unlimited."),
        PathDef::new("config/keys")
            .display(t("keys-config"))
            .op_display(Op::Update, Display::verb("transit", "configure", "keys"))
            .fields(&[CONFIG_KEYS])
            .read(handler!(Transit::read_keys_config))
            .update(handler!(Transit::write_keys_config))
            .help("Configuration common across all keys", "This path is used to configure common functionality across all keys. Currently, this supports limiting the ability to automatically create new keys when an unknown key is used for encryption (upsert)."),
    ]
}
