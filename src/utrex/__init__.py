"""utrex: an open-source re-implementation of Utah's UTREx student-data clearinghouse."""

__version__ = "0.1.0"
