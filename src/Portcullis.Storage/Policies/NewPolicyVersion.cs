namespace Portcullis.Storage.Policies;

/// <summary>What to save as a server's next policy version; the store assigns the number.</summary>
/// <param name="ServerId">The server the policy is for.</param>
/// <param name="Text">The policy document, already validated by the caller.</param>
/// <param name="Format"><c>json</c> or <c>yaml</c>.</param>
/// <param name="Source"><c>file</c>, <c>config</c>, <c>cli</c> or <c>restore</c>.</param>
/// <param name="Comment">Who or what saved it, and any detail.</param>
/// <param name="CreatedAt">When it is saved.</param>
public sealed record NewPolicyVersion(string ServerId, string Text, string Format, string Source, string Comment, DateTimeOffset CreatedAt)
{
    /// <summary>The saved version this becomes once numbered.</summary>
    public PolicyVersion Numbered(int version) => new()
    {
        ServerId = ServerId,
        Version = version,
        Text = Text,
        Format = Format,
        Source = Source,
        Comment = Comment,
        CreatedAt = CreatedAt,
    };
}
