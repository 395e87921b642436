// Postmaster runs on Linux only (Native AOT linux-x64; libc calls throughout): Unix-only APIs need no guards.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
