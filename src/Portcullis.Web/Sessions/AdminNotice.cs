namespace Portcullis.Web.Sessions;

/// <summary>The outcome of an action, shown once on the page after it.</summary>
/// <param name="Text">What happened, or every problem that stopped it.</param>
/// <param name="IsProblem">Whether the action was refused (nothing changed).</param>
internal sealed record AdminNotice(string Text, bool IsProblem = false);
