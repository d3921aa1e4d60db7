/**
 * The workflows a person runs against an account (protocol.md §11): {@link keybackup.workflow.Enable},
 * {@link keybackup.workflow.Upload} (with {@link keybackup.workflow.Uploader}),
 * {@link keybackup.workflow.Restore}, {@link keybackup.workflow.Migrate}, over any
 * {@link keybackup.homeserver.BackupStore}. {@link keybackup.workflow.Account} gathers the store, Secret
 * Storage and the trust anchors; trust itself is decided in {@code keybackup.trust}.
 *
 * <p>Restore, upload and migration run their crypto on a bounded number of worker threads and stream
 * the backup, so memory does not grow with its size. Migration never deletes or overwrites what it has
 * not verified: see {@link keybackup.workflow.Migrate}.
 */
package keybackup.workflow;
