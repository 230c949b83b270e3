#!/bin/sh
echo not a disk
