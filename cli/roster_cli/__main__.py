from roster_cli.main import main

main()
