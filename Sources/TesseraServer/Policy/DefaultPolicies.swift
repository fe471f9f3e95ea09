/// The default Cedar schema and policies (`policies/default/`), compiled in at build time by the EmbedFiles plugin so
/// a server without `--policy-dir` still decides every issuance by policy: `schema`, `policies`.
enum DefaultPolicies {}
