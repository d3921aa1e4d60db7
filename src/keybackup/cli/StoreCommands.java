package keybackup.cli;

import java.util.List;

/**
 * The commands that work on an account's backup, in the order of the command list: setup, status, enable, upload,
 * restore, migrate (each in its own file; audit: SignedBackupCommands).
 */
final class StoreCommands {
    private StoreCommands() {}

    static List<Command> all() {
        return List.of(new SetupCommand(), new StatusCommand(), new EnableCommand(), new UploadCommand(),
                new RestoreCommand(), new MigrateCommand());
    }
}
