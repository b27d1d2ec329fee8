import Foundation
import PackagePlugin

/// Embeds the package's top-level asset folders into the target that asks for them:
/// `Storage` gets `migrations/*.sql`, `Reports` gets `reports/*`. The generated file holds
/// each file's text as a Swift string literal, so a `callstats` binary copied alone still
/// migrates databases and renders reports.
@main
struct EmbedAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder: String
        let typeName: String
        switch target.name {
        case "Storage":
            folder = "migrations"
            typeName = "EmbeddedMigrations"
        case "Reports":
            folder = "reports"
            typeName = "EmbeddedReportAssets"
        default:
            return []
        }
        let directory = context.package.directoryURL.appending(path: folder)
        // A folder git has no file in does not exist in a fresh clone: embed nothing then.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path())) ?? [])
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let inputs = names.map { directory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(folder)/ into \(target.name)",
                executable: try context.tool(named: "EmbedAssetsTool").url,
                arguments: [typeName, output.path()] + inputs.map { $0.path() },
                inputFiles: names.isEmpty ? [] : inputs + [directory],
                outputFiles: [output]
            ),
        ]
    }
}
