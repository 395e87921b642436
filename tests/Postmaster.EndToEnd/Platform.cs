// Postmaster runs on Linux only; so do the tests that start it.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
