namespace Portcullis.Storage.Sqlite;

/// <summary>A counter's change since it was last written to the file.</summary>
internal sealed record CounterChange(string Key, long Delta, DateTimeOffset WindowEnd);
