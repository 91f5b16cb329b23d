using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Reconstruction.Local;

/// <summary>A folder's regular files to upload and the entries that are not uploaded, with why.</summary>
public sealed record FolderListing(IReadOnlyList<string> Files, IReadOnlyList<SkippedEntry> Skipped);

/// <summary>An entry of the input folder that is not uploaded: its name and the reason.</summary>
public sealed record SkippedEntry(string Name, string Reason);

/// <summary>What the local mode uploads from a folder: what a user would drop into the images container.</summary>
public static class UploadFolder
{
    /// <summary>Every regular file of a folder, ordered by name, hidden files included. Files that are not images are
    /// uploaded too and refused by ingestion with a reason.</summary>
    public static IReadOnlyList<string> FilesIn(string folder) => List(folder, followSymlinks: false).Files;

    /// <summary>
    /// A folder's entries: the regular files to upload, and everything else with why it is not uploaded — subfolders
    /// (a batch is one folder: upload a subfolder as a batch of its own), symbolic links unless
    /// <paramref name="followSymlinks"/> (a link may point anywhere on the machine, e.g. /etc/passwd), devices, FIFOs
    /// and sockets. Skipped entries are recorded as refused uploads, so they appear in the summary, the report and the
    /// gallery.
    /// </summary>
    public static FolderListing List(string folder, bool followSymlinks)
    {
        var files = new List<string>();
        var skipped = new List<SkippedEntry>();
        foreach (
            var entry in new DirectoryInfo(folder)
                .EnumerateFileSystemInfos()
                .OrderBy(e => e.Name, StringComparer.Ordinal)
        )
        {
            string? reason = entry switch
            {
                { LinkTarget: { } target } when !followSymlinks =>
                    $"a symbolic link (to {target}): not followed; pipeline --follow-symlinks follows links",
                { LinkTarget: not null }
                    when entry.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } resolved
                        || !FileStatus.IsRegular(resolved.FullName) =>
                    "a symbolic link to no regular file: not uploaded",
                { LinkTarget: not null } => null,
                DirectoryInfo =>
                    "a subfolder: not uploaded (a batch is one folder; run the pipeline on the subfolder for its "
                        + "images)",
                _ when !FileStatus.IsRegular(entry.FullName) =>
                    "not a regular file (a device, FIFO or socket): not uploaded",
                _ => null,
            };
            if (reason is null)
                files.Add(entry.FullName);
            else
                skipped.Add(new SkippedEntry(entry.Name, reason));
        }
        return new FolderListing(files, skipped);
    }
}
