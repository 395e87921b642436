namespace Postmaster.Platform;

/// <summary>Looks up system users (getpwnam). An interface so routing tests can name users the test
/// machine does not have; production uses <see cref="PasswdDatabase"/>.</summary>
public interface IUserDatabase
{
    SystemUser? Find(string name);
}
