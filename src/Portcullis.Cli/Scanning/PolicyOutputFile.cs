namespace Portcullis.Cli.Scanning;

/// <summary>
/// Writes a generated policy file whole or not at all: into a temporary file beside the target,
/// then renamed over it, so a crash or a full disk never leaves half a policy where a gateway
/// watching the folder could read it. An existing file is kept unless the caller may overwrite it.
/// </summary>
internal static class PolicyOutputFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>; false after writing why not to <paramref name="error"/>.</summary>
    public static bool TryWrite(string path, string text, bool overwrite, TextWriter error)
    {
        var fullPath = Path.GetFullPath(path);
        if (!overwrite && (File.Exists(fullPath) || Directory.Exists(fullPath)))
        {
            error.WriteLine($"--policy: {path} exists; nothing was written. Add --force to replace it.");
            return false;
        }

        var directory = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, fullPath, overwrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"--policy: cannot write {path}: {e.Message}");
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            return false;
        }
    }
}
