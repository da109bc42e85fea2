using Portcullis.Cli;

return PortcullisCommand.Run(args, TimeProvider.System);
