using System.Text;

namespace Portcullis.Cli.Policies;

/// <summary>Replaces a file whole: the text goes to a temporary file beside it, which is then renamed over it, so a reader never sees half a file.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text, new UTF8Encoding(false));
            if (!OperatingSystem.IsWindows() && File.Exists(full))
            {
                // The replacement keeps the file's permissions, not the default ones of a new file.
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(full));
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
