using Portcullis.Cli;

return PortcullisCommand.Create(TimeProvider.System).Parse(args).Invoke();
