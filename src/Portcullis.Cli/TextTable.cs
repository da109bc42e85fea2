using Spectre.Console;

namespace Portcullis.Cli;

/// <summary>Tables for command output: plain text (no colours or terminal codes), wide enough not to wrap typical rows.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, Table table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 220;
        console.Write(table);
    }

    /// <summary>A cell showing <paramref name="text"/> literally.</summary>
    public static Markup Cell(string? text) => new(Markup.Escape(text ?? ""));
}
