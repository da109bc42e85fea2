namespace Portcullis.Policy.Risk;

/// <summary>A verb found in a tool's name or first sentence: its word, its sense, and the index of the signal it added.</summary>
internal readonly record struct FoundVerb(int Signal, string Word, WordSense Sense);
