// Postmaster and its tests run on Linux only, as the library under test declares.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
