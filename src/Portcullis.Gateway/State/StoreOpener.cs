using Portcullis.Gateway.Configuration;
using Portcullis.Storage;

namespace Portcullis.Gateway.State;

/// <summary>
/// Opens the stores <paramref name="store"/> names. The gateway references no backend; the
/// application that does (the command line) supplies this and is the one place that maps a
/// configured store to a backend. Fails with <see cref="StoreUnavailableException"/> when a store
/// needed at opening (a SQLite file, PostgreSQL) cannot be opened.
/// </summary>
/// <param name="store">The configured store.</param>
/// <param name="sessionRetention">How long an unused session may stay in a store that expires keys by itself.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="cancellationToken">Cancels the opening.</param>
internal delegate Task<StoreSet> StoreOpener(StoreConfig store, TimeSpan sessionRetention, TimeProvider timeProvider, CancellationToken cancellationToken);
