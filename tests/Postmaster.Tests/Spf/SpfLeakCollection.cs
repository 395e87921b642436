using Xunit;

namespace Postmaster.Tests.Spf;

/// <summary>Runs <see cref="SpfLeakTests"/> on its own, after the tests that run in parallel.</summary>
[CollectionDefinition(nameof(SpfLeakTests), DisableParallelization = true)]
public sealed class SpfLeakCollection;
