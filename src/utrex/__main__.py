from utrex.cli.main import main

main()
