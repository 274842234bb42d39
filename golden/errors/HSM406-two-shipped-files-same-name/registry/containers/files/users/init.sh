#!/bin/sh
echo users
