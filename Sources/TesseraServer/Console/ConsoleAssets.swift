/// The web console's files (`console/`), compiled in at build time by the EmbedFiles plugin so the server needs no
/// resource bundle: `indexHTML`, `appJS`, `appCSS`.
enum ConsoleAssets {}
